#!/usr/bin/env python3
"""Checks Adaptive Cards against Microsoft's Adaptive Card JSON schema.

Usage: adaptive_card_check.py SCHEMA CARD.json...

SCHEMA is the schema as JSON, or the `adaptive-card-schema.ts` module of the npm
package `adaptivecards-designer` (which holds it as one object literal). Each CARD file
is a card, or a Teams message whose attachments hold cards. Prints every violation
and exits 1 if there is any (2 if the schema cannot be read). Needs `jsonschema`.
"""

import json
import sys

import jsonschema


def load_schema(path):
    text = open(path, encoding="utf-8").read()
    if path.endswith(".ts"):
        text = text[text.index("=", text.index("adaptiveCardSchema")) + 1 :]
        text = text.strip().rstrip(";")
    return json.loads(text)


def cards(doc):
    if doc.get("type") == "AdaptiveCard":
        return [doc]
    return [
        a["content"]
        for a in doc.get("attachments", [])
        if a.get("contentType") == "application/vnd.microsoft.card.adaptive"
    ]


def main():
    try:
        schema = load_schema(sys.argv[1])
    except (OSError, ValueError) as e:
        print(f"cannot read the schema {sys.argv[1]}: {e}")
        return 2
    validator = jsonschema.Draft6Validator(schema)
    bad = 0
    for path in sys.argv[2:]:
        found = cards(json.load(open(path, encoding="utf-8")))
        if not found:
            print(f"{path}: no Adaptive Card")
            bad += 1
        for card in found:
            for e in validator.iter_errors(card):
                print(f"{path}: {'/'.join(map(str, e.absolute_path))}: {e.message}")
                bad += 1
    if bad == 0:
        print(f"{len(sys.argv) - 2} file(s) valid")
    return 1 if bad else 0


sys.exit(main())
