-- Example queries an analyst runs on the warehouse (schema real_estate). Each runs unchanged on
-- DuckDB, PostgreSQL and Redshift; the tests run them on DuckDB and PostgreSQL.
-- Houses and parks are joined here, by the analyst, as the warehouse keeps both un-aggregated.

-- Median sale price per zip code, with the number of parks in the zip code (latest parks snapshot).
WITH latest_parks AS (
    SELECT zip_code, count(*) AS parks, sum(num_features) AS park_features
    FROM real_estate.parks
    WHERE partition_date = (SELECT max(partition_date) FROM real_estate.parks)
    GROUP BY zip_code
)
SELECT s.zipcode,
       count(*) AS sales,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY s.price) AS median_price,
       coalesce(max(p.parks), 0) AS parks,
       coalesce(max(p.park_features), 0) AS park_features
FROM real_estate.house_sales AS s
LEFT JOIN latest_parks AS p ON p.zip_code = s.zipcode
GROUP BY s.zipcode
ORDER BY median_price DESC;

-- Price per square foot in zip codes with and without a park that has a play area.
WITH play_area_zips AS (
    SELECT DISTINCT zip_code
    FROM real_estate.parks
    WHERE features_play_area > 0
      AND partition_date = (SELECT max(partition_date) FROM real_estate.parks)
)
SELECT CASE WHEN z.zip_code IS NULL THEN 'no play area' ELSE 'play area' END AS zip_codes,
       count(*) AS sales,
       avg(s.price / s.sqft_living) AS avg_price_per_sqft
FROM real_estate.house_sales AS s
LEFT JOIN play_area_zips AS z ON z.zip_code = s.zipcode
GROUP BY 1
ORDER BY 1;

-- Daily sales volume and median price: the time series a dashboard plots.
SELECT partition_date AS sale_day,
       count(*) AS sales,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY price) AS median_price
FROM real_estate.house_sales
GROUP BY partition_date
ORDER BY partition_date;

-- The ten parks with the most features in the latest snapshot.
SELECT pmaid, name, zip_code, num_features, features
FROM real_estate.parks
WHERE partition_date = (SELECT max(partition_date) FROM real_estate.parks)
ORDER BY num_features DESC, pmaid
LIMIT 10;
