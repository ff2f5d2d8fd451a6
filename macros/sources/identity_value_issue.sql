{#-
    Why an identity text (user_id, anonymous_id) as sent is not used as it is, or null.
    '<column>_blank': only spaces; '<column>_placeholder': a stand-in trackers write for a
    missing value ('null', 'undefined', 'none', 'nil', 'nan', '[object Object]', any case);
    both make the identity null. '<column>_trimmed': spaces around a real id were removed.
    Null or '' is an absent identity, not an issue. Ordered so that a usual id costs two
    character tests and a length.
-#}
{% macro identity_value_issue(raw, column_name) -%}
    {%- set placeholders = ['null', 'undefined', 'none', 'nil', 'nan', '[object object]'] -%}
    case
        when {{ raw }} is null or {{ raw }} = '' then null
        when substr({{ raw }}, 1, 1) = ' ' or substr({{ raw }}, length({{ raw }}), 1) = ' '
            then case
                when trim({{ raw }}) = '' then '{{ column_name }}_blank'
                when {{ journey.text_is_one_of('lower(trim(' ~ raw ~ '))', placeholders) }}
                    then '{{ column_name }}_placeholder'
                else '{{ column_name }}_trimmed'
            end
        when length({{ raw }}) <= 15 and {{ journey.text_is_one_of('lower(' ~ raw ~ ')', placeholders) }}
            then '{{ column_name }}_placeholder'
    end
{%- endmacro %}
