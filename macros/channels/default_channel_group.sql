{#-
    GA4's default channel group for a session's source, medium and campaign.
    Rules and their order follow Google's documentation "[GA4] Default channel group"
    (support.google.com/analytics/answer/9756891); source_category is the category of the
    source in Google's list of sites (seed journey_source_categories), lower-cased match.
    Arguments are SQL expressions; source and medium are compared lower-cased.
-#}
{% macro default_channel_group(source, medium, campaign, source_category) -%}
    {%- set src = 'lower(' ~ source ~ ')' -%}
    {%- set med = 'lower(' ~ medium ~ ')' -%}
    {%- set cmp = 'lower(' ~ campaign ~ ')' -%}
    {%- set paid = journey.regexp_contains('coalesce(' ~ med ~ ", '')", journey.journey_var('journey__paid_medium_regex')) -%}
    {%- set shop_campaign = journey.regexp_contains('coalesce(' ~ cmp ~ ", '')", '^(.*(([^a-df-z]|^)shop|shopping).*)$') -%}
    case
        when coalesce({{ src }}, '(direct)') = '(direct)'
            and coalesce({{ med }}, '(none)') in ('(none)', '(not set)')
            then 'Direct'
        when {{ journey.regexp_contains('coalesce(' ~ cmp ~ ", '')", 'cross-network') }}
            then 'Cross-network'
        when ({{ source_category }} = 'SOURCE_CATEGORY_SHOPPING' or {{ shop_campaign }}) and {{ paid }}
            then 'Paid Shopping'
        when {{ source_category }} = 'SOURCE_CATEGORY_SEARCH' and {{ paid }}
            then 'Paid Search'
        when {{ source_category }} = 'SOURCE_CATEGORY_SOCIAL' and {{ paid }}
            then 'Paid Social'
        when {{ source_category }} = 'SOURCE_CATEGORY_VIDEO' and {{ paid }}
            then 'Paid Video'
        when {{ med }} in ('display', 'banner', 'expandable', 'interstitial', 'cpm')
            then 'Display'
        when {{ paid }}
            then 'Paid Other'
        when {{ source_category }} = 'SOURCE_CATEGORY_SHOPPING' or {{ shop_campaign }}
            then 'Organic Shopping'
        when {{ source_category }} = 'SOURCE_CATEGORY_SOCIAL'
            or {{ med }} in ('social', 'social-network', 'social-media', 'sm', 'social network', 'social media')
            then 'Organic Social'
        when {{ source_category }} = 'SOURCE_CATEGORY_VIDEO'
            or {{ journey.regexp_contains('coalesce(' ~ med ~ ", '')", '^(.*video.*)$') }}
            then 'Organic Video'
        when {{ source_category }} = 'SOURCE_CATEGORY_SEARCH' or {{ med }} = 'organic'
            then 'Organic Search'
        when {{ med }} in ('referral', 'app', 'link')
            then 'Referral'
        when {{ src }} in ('email', 'e-mail', 'e_mail', 'e mail')
            or {{ med }} in ('email', 'e-mail', 'e_mail', 'e mail')
            then 'Email'
        when {{ med }} = 'affiliate'
            then 'Affiliates'
        when {{ med }} = 'audio'
            then 'Audio'
        when {{ src }} = 'sms' or {{ med }} = 'sms'
            then 'SMS'
        when {{ journey.regexp_contains('coalesce(' ~ med ~ ", '')", '(push$|mobile|notification)') }}
            or {{ src }} = 'firebase'
            then 'Mobile Push Notifications'
        else 'Unassigned'
    end
{%- endmacro %}


{#- Host of a URL without scheme, port, path and a leading 'www.'. -#}
{% macro url_host(url) -%}
    {{ journey.regexp_extract_group('lower(' ~ url ~ ')', '^[a-z][a-z0-9+.-]*://(?:www[.])?([^/?#:]+)') }}
{%- endmacro %}


{#- Path of a URL without scheme, host and query string. -#}
{% macro url_path(url) -%}
    case
        when {{ url }} is not null
            then coalesce({{ journey.regexp_extract_group(url, '^[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#]+([^?#]*)') }}, '/')
    end
{%- endmacro %}
