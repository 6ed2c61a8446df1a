"""The data contracts, each written once: schemas, transforms, samples and features derive from them."""
