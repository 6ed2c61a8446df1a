"""`real-estate-sample`: write synthetic house-sales drops into the landing zone."""

import argparse
import datetime as dt

from real_estate.deployment import Settings
from real_estate.sample.house_sales import generate_house_sales, write_house_sales_drop


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from error


def main(argv: list[str] | None = None) -> None:
    """Write one CSV drop per day from --start to --end (inclusive)."""
    parser = argparse.ArgumentParser(prog="real-estate-sample", description=__doc__)
    parser.add_argument("--start", type=_date, required=True, help="first day, YYYY-MM-DD")
    parser.add_argument("--end", type=_date, help="last day, YYYY-MM-DD (default: --start)")
    parser.add_argument("--rows", type=int, default=150, help="sales per day (default 150)")
    parser.add_argument("--bad-rows", type=int, default=0, help="deliberately broken rows per day")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--landing",
        help="landing zone folder or s3:// URL (default: REAL_ESTATE_LANDING_URL or data/landing)",
    )
    args = parser.parse_args(argv)
    end = args.end or args.start
    if end < args.start:
        parser.error(f"--end {end} is before --start {args.start}")
    landing_url = args.landing or Settings.from_env().landing_url
    day = args.start
    while day <= end:
        frame = generate_house_sales(day, rows=args.rows, seed=args.seed, bad_rows=args.bad_rows)
        print(f"{write_house_sales_drop(frame, landing_url, day)}: {frame.height} sales")
        day += dt.timedelta(days=1)


if __name__ == "__main__":
    main()
