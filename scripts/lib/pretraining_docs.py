#!/usr/bin/python3
"""Pre-training documents for a small model: records of the training pool beside their neighbours.

    pretraining_docs.py --corpus TRAIN.tsv --molecule-neighbours M.tsv --caption-neighbours C.tsv \
                        [--records N] --out DOCS.jsonl

A pretrained LLM reads its in-context examples because its pre-training text is full of related
records side by side (tables, catalogues, listings); a small model trained from scratch has never seen
that, so it learns nothing from ICMA's examples. These documents give it the same experience on the
training pool alone: each record of TRAIN.tsv becomes two documents,

    molecule-first: up to N-1 of its molecule neighbours (M.tsv, e.g. icma-retrieve --method morgan),
                    least similar first, then the record itself, each as "SMILES\\ndescription\\n\\n";
    caption-first:  the same with its caption neighbours (C.tsv, e.g. --method bm25), each as
                    "description\\nSMILES\\n\\n".

No task template or cue word appears ("Caption:", "Molecule:"): the documents teach only that
neighbouring records resemble each other, which both systems may then use or not. Neighbour files are
icma-retrieve's (query_id<TAB>neighbour_id<TAB>score, ranked), made with --exclude-self on.

Output: JSONL rows {"id", "task", "prompt": "", "target": document} for icma-train --full
(task: mol2cap for molecule-first documents, cap2mol for caption-first ones; the loss covers the whole
document). Exit status 2 with one line naming the file and line for malformed input. Standard library only.
"""

import argparse
import json
import os
import sys


class InputError(Exception):
    pass


def read_corpus(path):
    """{id: (smiles, description)} and the ids in file order, from a CID<TAB>SMILES<TAB>description TSV."""
    records, order = {}, []
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\r\n").split("\t")
        if header[:3] != ["CID", "SMILES", "description"]:
            raise InputError("%s:1: expected the header CID<TAB>SMILES<TAB>description" % path)
        for number, line in enumerate(f, start=2):
            line = line.rstrip("\r\n")
            if not line:
                continue
            fields = line.split("\t")
            if len(fields) < 3:
                raise InputError("%s:%d: expected 3 tab-separated fields, found %d" % (path, number, len(fields)))
            if fields[0] in records:
                raise InputError("%s:%d: id %s appears twice" % (path, number, fields[0]))
            records[fields[0]] = (fields[1], fields[2])
            order.append(fields[0])
    return records, order


def read_neighbours(path, records):
    """{query_id: [neighbour ids, most similar first]} from an icma-retrieve neighbour file."""
    out = {}
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            line = line.rstrip("\r\n")
            if not line:
                continue
            fields = line.split("\t")
            if len(fields) != 3:
                raise InputError("%s:%d: expected query_id<TAB>neighbour_id<TAB>score" % (path, number))
            query, neighbour = fields[0], fields[1]
            if neighbour not in records:
                raise InputError("%s:%d: neighbour %s is not in the corpus" % (path, number, neighbour))
            if neighbour != query:
                out.setdefault(query, []).append(neighbour)
    return out


def document(ids, records, molecule_first):
    parts = []
    for record_id in ids:
        smiles, description = records[record_id]
        parts.append("%s\n%s\n\n" % ((smiles, description) if molecule_first else (description, smiles)))
    return "".join(parts).rstrip("\n") + "\n"


def make_documents(records, order, molecule_neighbours, caption_neighbours, per_document):
    rows = []
    for record_id in order:
        for task, neighbours, molecule_first in (("mol2cap", molecule_neighbours, True),
                                                 ("cap2mol", caption_neighbours, False)):
            before = list(reversed(neighbours.get(record_id, [])[:per_document - 1]))  # most similar last
            rows.append({"id": "%s-%s" % (record_id, "m" if molecule_first else "c"), "task": task, "prompt": "",
                         "target": document(before + [record_id], records, molecule_first)})
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--molecule-neighbours", required=True)
    parser.add_argument("--caption-neighbours", required=True)
    parser.add_argument("--records", type=int, default=3, help="records per document, its own included (default 3)")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    if args.records < 1:
        print("pretraining_docs.py: --records must be at least 1", file=sys.stderr)
        return 2
    try:
        records, order = read_corpus(args.corpus)
        rows = make_documents(records, order, read_neighbours(args.molecule_neighbours, records),
                              read_neighbours(args.caption_neighbours, records), args.records)
    except (InputError, OSError, UnicodeDecodeError) as e:
        print("pretraining_docs.py: %s" % e, file=sys.stderr)
        return 2
    temporary = "%s.tmp.%d" % (args.out, os.getpid())
    with open(temporary, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    os.replace(temporary, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
