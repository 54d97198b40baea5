#!/usr/bin/python3
"""Writes a JSON object built from command-line fields, so that shell scripts never print JSON themselves.

    write_json.py OUT.json FIELD...

    key=TEXT       a string, escaped as JSON needs (quotes, backslashes, tabs, newlines, any Unicode)
    key:=JSON      a value written as JSON: a number, true/false/null, an array or an object
    key[]=TEXT     appends a string to the array at key

Dots nest: `data.train=a.tsv` sets {"data": {"train": "a.tsv"}}; keys keep their first position, and
a field that sets an object (`settings:={...}`) can be extended by later ones (`settings.wrap=...`).
The file is written to OUT.json.tmp and renamed, so a reader never sees half of it.

    write_json.py run/run.json dataset=chebi20 'tasks[]=mol2cap' settings.n_shot:=2 note="it's \\"quoted\\""
"""

import json
import os
import re
import sys

FIELD = re.compile(r"^(?P<key>[^=:\[\]]+)(?P<op>=|:=|\[\]=)(?P<value>.*)$", re.S)


def place(root, dotted, field):
    """The object holding the last part of dotted (made on the way), and that part."""
    parts = dotted.split(".")
    node = root
    for part in parts[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ValueError("%s: %s is not an object" % (field, part))
    return node, parts[-1]


def build(fields):
    root = {}
    for field in fields:
        match = FIELD.match(field)
        if not match:
            raise ValueError("%s: not key=TEXT, key:=JSON or key[]=TEXT" % field)
        node, key = place(root, match["key"], field)
        op, value = match["op"], match["value"]
        if op == "=":
            node[key] = value
        elif op == ":=":
            try:
                node[key] = json.loads(value)
            except ValueError as e:
                raise ValueError("%s: not JSON (%s)" % (field, e))
        else:
            array = node.setdefault(key, [])
            if not isinstance(array, list):
                raise ValueError("%s: %s is not an array" % (field, key))
            array.append(value)
    return root


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(argv) > 1 else 2
    out = argv[1]
    try:
        document = build(argv[2:])
    except ValueError as e:
        print("write_json: %s" % e, file=sys.stderr)
        return 2
    with open(out + ".tmp", "w", encoding="utf-8") as f:
        json.dump(document, f, indent=1, ensure_ascii=False)
        f.write("\n")
    os.replace(out + ".tmp", out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
