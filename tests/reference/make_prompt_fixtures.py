#!/usr/bin/env python3
"""Reference prompt files for tests/apps/icma_prompt_test.cpp.

Builds ChEBI-20 test prompts the way the official ICMA code (phenixace/ICMA)
does - its RetrievalDataset (dataset.py) with retrieve_m2c_prompts /
retrieve_c2m_prompts (utils.py), and its ZeroShotDataset for zero-shot
prompts - re-implemented here from its described behaviour in plain Python:

  * the split file is read with readlines(); row i (1-based, after the header)
    is split on tabs into cid, SMILES, caption, each .strip()ped;
  * the corpus ("db") maps every line's CID to its stripped SMILES and caption;
  * the neighbour file is read BY POSITION: example j of row i is the second
    column of line (i - 1) * 10 + j, j from start_pos, n_shot of them;
  * with add_special_token, every SMILES - the query's, the examples', and the
    cap2mol target's - is written [START_I_SMILES]SMILES[END_I_SMILES];
  * the examples are concatenated with reversal: each next (less similar)
    example goes in front, so the most similar is last; reverse=False keeps
    rank order;
  * the training text is prompt + "Caption: {caption}{eos}" (mol2cap) or
    prompt + "Molecule: {SMILES}{eos}" (cap2mol), .strip()ped; eos "</s>".

icma-prompt's JSONL splits that training text into "prompt" and "target"
(target = the "Caption: ..."/"Molecule: ..." part with the EOS), so the check
here is: prompt + target == the official training text, and prompt.strip() ==
the official prompt (the official code strips the prompt's trailing " \\n").

The neighbour file is made here, deterministically, in the official format
(query_id<TAB>neighbour_id<TAB>str(score), 10 lines per query, no header):
validation-set CIDs picked by arithmetic on the row numbers. It tests file
format and prompt assembly, not retrieval.

Each case takes a slice of the 240 rows, so the committed files stay small;
tests/fixtures/prompt_chebi20_cases.json lists the cases, their icma-prompt
flags and the SHA-256 of the shared files they were made from.

Run: /usr/bin/python3 tests/reference/make_prompt_fixtures.py [SHARED_DIR]
(default SHARED_DIR: ../shared beside the repository).
"""

import hashlib
import json
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(REPO, "tests", "fixtures")
ROWS = 240           # test rows used, from the top of test.txt
NEIGHBOUR_ROWS = 220  # rows with neighbour lines (the rest are zero-shot cases)
K = 10               # neighbour lines per query, as the official files have
EOS = "</s>"

# name, task, rows [begin, end) (0-based data rows), n_shot, start_pos, reverse, wrap, zero_shot
CASES = [
    ("mol2cap", "mol2cap", (0, 40), 3, 0, True, False, False),
    ("cap2mol", "cap2mol", (40, 80), 3, 0, True, False, False),
    ("mol2cap_wrap", "mol2cap", (80, 120), 2, 0, True, True, False),
    ("cap2mol_wrap", "cap2mol", (120, 160), 2, 0, True, True, False),
    ("mol2cap_no_reverse", "mol2cap", (160, 180), 3, 0, False, False, False),
    ("cap2mol_no_reverse", "cap2mol", (180, 200), 3, 0, False, False, False),
    ("cap2mol_skip1", "cap2mol", (200, 220), 2, 1, True, False, False),
    ("mol2cap_zero_shot", "mol2cap", (220, 230), 0, 0, True, False, True),
    ("cap2mol_zero_shot", "cap2mol", (230, 240), 0, 0, True, False, True),
]

WRAP_OPEN = "[START_I_SMILES]"
WRAP_CLOSE = "[END_I_SMILES]"


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def make_neighbours(test_lines, corpus_lines):
    """10 validation CIDs per query, by arithmetic; scores descending, written with str()."""
    corpus_cids = [line.split("\t")[0] for line in corpus_lines[1:]]
    out = []
    for i in range(1, NEIGHBOUR_ROWS + 1):
        cid = test_lines[i].split("\t")[0]
        for j in range(K):
            row = (i * 131 + j * 17 + 7) % len(corpus_cids)
            score = 1.0 - j * 0.05 - (i % 7) * 0.01
            out.append("{}\t{}\t{}\n".format(cid, corpus_cids[row], score))
    return out


def wrap(smiles, on):
    return WRAP_OPEN + smiles + WRAP_CLOSE if on else smiles


def m2c_example(example):
    return "Generate a caption for the molecule: {}\nCaption: {}\n\n".format(example["molecule"], example["caption"])


def c2m_example(example):
    return "Generate a molecule for the caption: {}\nMolecule: {}\n\n".format(example["caption"], example["molecule"])


def join_examples(examples, render, reverse):
    text = ""
    for example in examples:
        text = render(example) + text if reverse else text + render(example)
    return text


def official_rows(task, test_lines, corpus_lines, neighbour_lines, n_shot, start_pos, reverse, wrap_on):
    """(cid, prompt, training text, answer, query input, example ids in prompt order) per row."""
    db = {}
    for line in corpus_lines:
        cid, mol, cap = line.split("\t")
        db[cid] = {"molecule": mol.strip(), "caption": cap.strip()}
    rows = []
    for i in range(1, len(test_lines)):
        cid, mol, cap = test_lines[i].split("\t")
        mol, cap = mol.strip(), cap.strip()
        examples, ids = [], []
        j = start_pos
        while len(examples) < n_shot and j < K:
            example_id = neighbour_lines[(i - 1) * K + j].split("\t")[1]
            examples.append({"molecule": wrap(db[example_id]["molecule"], wrap_on), "caption": db[example_id]["caption"]})
            ids.append(example_id)
            j += 1
        if reverse:
            ids.reverse()
        query_mol = wrap(mol, wrap_on)
        if task == "mol2cap":
            prompt = join_examples(examples, m2c_example, reverse) + (
                "Based on the above examples, analyse the similarities and differences between the examples and "
                "finally generate a caption for the molecule: {}. \n".format(query_mol))
            full = (prompt + "Caption: {}{}".format(cap, EOS)).strip()
            rows.append((cid, prompt.strip(), full, "Caption: {}{}".format(cap, EOS), mol, ids))
        else:
            prompt = join_examples(examples, c2m_example, reverse) + (
                "Based on the above examples, analyse the similarities and differences between the examples and "
                "finally generate a molecule for the caption: {}\n".format(cap))
            full = (prompt + "Molecule: {}{}".format(query_mol, EOS)).strip()
            rows.append((cid, prompt.strip(), full, "Molecule: {}{}".format(query_mol, EOS), cap, ids))
    return rows


def official_zero_shot_rows(task, test_lines):
    """ZeroShotDataset without add_special_token: the prompt is not stripped there."""
    rows = []
    for line in test_lines[1:]:
        cid, mol, cap = line.split("\t")
        mol, cap = mol.strip(), cap.strip()
        if task == "mol2cap":
            prompt = "Generate a caption for the molecule: {}\n".format(mol)
            target = "Caption: {}{}".format(cap, EOS)
            rows.append((cid, prompt, prompt + target, target, mol, []))
        else:
            prompt = "Generate a molecule that: {}\n".format(cap)
            target = "Molecule: {}{}".format(mol, EOS)
            rows.append((cid, prompt, prompt + target, target, cap, []))
    return rows


def jsonl_row(task, row):
    cid, official_prompt, full, target, query_input, ids = row
    assert full.endswith(target), cid
    prompt = full[: len(full) - len(target)]
    assert prompt.strip() == official_prompt.strip(), cid
    record = {"id": cid, "task": task, "prompt": prompt, "target": target, "examples": ids, "input": query_input}
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"


def flags(task, n_shot, start_pos, reverse, wrap_on, zero_shot):
    out = ["--task", task]
    out += ["--zero-shot"] if zero_shot else ["--n-shot", str(n_shot)]
    if start_pos:
        out += ["--skip", str(start_pos)]
    if not reverse:
        out.append("--no-reverse")
    if wrap_on:
        out.append("--wrap-smiles")
    return out


def main():
    shared = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(REPO), "shared")
    test_path = os.path.join(shared, "data", "chebi20", "test.txt")
    corpus_path = os.path.join(shared, "data", "chebi20", "validation.txt")
    with open(test_path, "r", encoding="utf-8") as f:
        test_lines = f.readlines()[: ROWS + 1]
    with open(corpus_path, "r", encoding="utf-8") as f:
        corpus_lines = f.readlines()

    neighbour_lines = make_neighbours(test_lines, corpus_lines)
    neighbour_file = "prompt_chebi20_neighbours.tsv"
    with open(os.path.join(FIXTURES, neighbour_file), "w", encoding="utf-8", newline="") as f:
        f.writelines(neighbour_lines)

    manifest = {
        "generator": "tests/reference/make_prompt_fixtures.py",
        "dataset": "data/chebi20/test.txt",
        "dataset_sha256": sha256(test_path),
        "corpus": "data/chebi20/validation.txt",
        "corpus_sha256": sha256(corpus_path),
        "neighbours": neighbour_file,
        "eos": EOS,
        "cases": [],
    }
    total = 0
    for name, task, (begin, end), n_shot, start_pos, reverse, wrap_on, zero_shot in CASES:
        if zero_shot:
            rows = official_zero_shot_rows(task, test_lines)
        else:
            rows = official_rows(task, test_lines[: NEIGHBOUR_ROWS + 1], corpus_lines, neighbour_lines, n_shot,
                                 start_pos, reverse, wrap_on)
        expected = "prompt_chebi20_{}.jsonl".format(name)
        text = "".join(jsonl_row(task, row) for row in rows[begin:end])
        with open(os.path.join(FIXTURES, expected), "w", encoding="utf-8", newline="") as f:
            f.write(text)
        total += len(text.encode("utf-8"))
        manifest["cases"].append({"name": name, "rows": [begin, end], "flags": flags(task, n_shot, start_pos, reverse,
                                                                                     wrap_on, zero_shot),
                                  "expected": expected})
    with open(os.path.join(FIXTURES, "prompt_chebi20_cases.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    print("wrote {} cases, {} bytes of expected JSONL".format(len(CASES), total))


if __name__ == "__main__":
    main()
