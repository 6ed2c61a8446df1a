-- The auditor's question: which model priced house X on day D, and what did it say?
-- Every scoring of a day stays in real_estate.price_predictions (one per model version and
-- scoring; scoring again with the same version and the same houses replaces itself).
-- :house_id and :day are parameters; the tests bind them.
SELECT partition_date,
       id,
       price,
       predicted_price,
       model_name,
       model_version,
       model_run_id,
       predicted_at,
       scoring
FROM real_estate.price_predictions
WHERE id = :house_id AND partition_date = :day
ORDER BY predicted_at;
