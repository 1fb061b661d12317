"""Reads lines of JSON `[schema, instance]` on stdin; prints 1/0 per line: is the instance valid
under Python `jsonschema` (the validator class the schema's $schema names, default 2020-12), with
format checking on."""
import json, sys
import jsonschema

for line in sys.stdin:
    schema, instance = json.loads(line)
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
    print(1 if validator.is_valid(instance) else 0)
