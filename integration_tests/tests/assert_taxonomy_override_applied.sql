-- Every raw 'search' event is named by our taxonomy (site_searched), none by the package's.
select event_id, raw_event_name, event_name
from {{ ref('journey', 'fct_events') }}
where
    (trim(raw_event_name) = 'search' and event_name <> 'site_searched')
    or event_name = 'products_searched'
