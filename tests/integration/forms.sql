-- The published forms as one JSON array, each with its current version's
-- questions and options in order: what the integration suite
-- (tests/integration/forms.py) and the browser tests (tests/browser/lib/
-- forms.mjs) build their answers from.  Read-only.
SELECT coalesce(json_agg(json_build_object(
  'name', f.name, 'title', f.title, 'version_id', c.version_id,
  'fields', (SELECT coalesce(json_agg(json_build_object(
      'name', ff.name, 'kind', ff.kind, 'label', ff.label,
      'required', ff.required, 'max_length', ff.max_length,
      'sensitive', ff.sensitive,
      'options', (SELECT coalesce(json_agg(json_build_object(
            'value', o.value, 'label', o.label, 'notice', o.notice)
          ORDER BY o.position), '[]'::json)
        FROM vawg.form_option o
        WHERE o.version_id = ff.version_id AND o.field_name = ff.name))
    ORDER BY ff.position), '[]'::json)
    FROM vawg.form_field ff WHERE ff.version_id = c.version_id))
  ORDER BY f.name), '[]'::json)
FROM vawg.form f JOIN vawg.form_current c ON c.form_id = f.id;
