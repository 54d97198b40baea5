#!/usr/bin/python3
"""Reads a hyper-parameter profile (configs/profiles/*.json) for scripts/reproduce.sh.

    profile.py PROFILE --task TASK [--steps N] [--test-rows N]   bash assignments for one task
    profile.py PROFILE --settings [--steps N] [--test-rows N]    the settings as JSON, for run.json
    profile.py --list                                             the profiles in configs/profiles/

PROFILE is a name (configs/profiles/NAME.json) or a path to a .json file. The format is described in
configs/profiles/README.md: scalar settings, three groups of command-line flags, optional per-task
overrides, records of the official code's settings that are not flags (pending, built_in), and any
value may be {"value": V, "source": "...", "why": "..."} to say where it comes from. A profile may
instead be {"alias": "OTHER"}: the settings of configs/profiles/OTHER.json under its own name.

--task prints one assignment a line, for `eval` in bash (every value shell-quoted):
    profile_name=quick, profile_dataset=, n_shot=2, cutoff_len=1024, retrieve_k=10, random_walk=0.5,
    test_rows=100, retrieval_method=morgan, prompt_fit=drop_examples, checkpoint=0, generation_dtype=fp32,
    lora=(--lora-r 16 ...), training=(--max-steps 150 ...),
    decoding=(--max-new-tokens 96 ...), pending=(names of the settings not applied yet)
--steps N replaces the training length (--epochs / --max-steps) by --max-steps N; --test-rows N
replaces test_rows. Numbers are passed on as written in the file (2e-4 stays 2e-4).

Exit status 2, with one line on stderr, for an unknown profile (listing the available ones) or a
malformed one (naming the key). Standard library only (Debian's /usr/bin/python3).
"""

import argparse
import json
import os
import shlex
import sys

PROFILES_DIR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                             "configs", "profiles"))
TASKS = ("mol2cap", "cap2mol")
# name -> (check, what the check wants); every profile sets every one of these.
SCALARS = {
    "n_shot": (lambda v: is_int(v) and v >= 0, "an integer >= 0"),
    "cutoff_len": (lambda v: is_int(v) and v > 0, "an integer > 0"),
    "retrieve_k": (lambda v: is_int(v) and v > 0, "an integer > 0"),
    "random_walk": (lambda v: is_number(v) and 0 <= v < 1, "a number in [0, 1)"),
    "test_rows": (lambda v: is_int(v) and v >= 0, "an integer >= 0 (0: the whole test set)"),
}
# Optional scalars, checked per task once the overrides are applied: name -> {task: (default, allowed)},
# allowed a tuple of values or a (check, what the check wants) pair.
# retrieval_method is icma-retrieve --method (reproduce.sh's index holds BM25 and fingerprints, GIN
# embeddings with --gnn WEIGHTS, sentence embeddings with --sentence ST_DIR; reproduce.sh's --mol2cap-method and
# --cap2mol-method override it). prompt_fit: how prompts meet cutoff_len, drop_examples (icma-prompt
# leaves out the least similar examples until prompt + target fit) or truncate (the official code:
# icma-prompt keeps every example and icma-train cuts prompt + target at the right end; test prompts are
# cut by the decoding flags --truncate-prompts-over / --keep-last-tokens). checkpoint: the training
# step whose weights generate (train/checkpoint-N), 0 = the final ones. generation_dtype: icma-generate
# --dtype when reproduce.sh runs on a GPU (--device cuda); the CPU generates in fp32.
_STEP = (lambda v: is_int(v) and v >= 0, "an integer >= 0 (0: the final weights)")
OPTIONAL = {
    "retrieval_method": {"mol2cap": ("morgan", ("morgan", "rdk", "maccs", "gnn", "random")),
                         "cap2mol": ("bm25", ("bm25", "sentence", "random"))},
    "prompt_fit": {task: ("drop_examples", ("drop_examples", "truncate")) for task in TASKS},
    "checkpoint": {task: (0, _STEP) for task in TASKS},
    "generation_dtype": {task: ("fp32", ("fp32", "fp16", "bf16")) for task in TASKS},
    "pretrain_records": {task: (3, (lambda v: is_int(v) and v >= 1, "an integer >= 1")) for task in TASKS},
}
FLAG_GROUPS = ("lora", "training", "decoding", "pretraining")  # icma-train, icma-train, icma-generate, icma-train
# pretraining (optional, empty by default): icma-train --full flags of a causal-LM pre-training stage on
# documents of neighbouring training records (scripts/lib/pretraining_docs.py) that makes the model both
# systems start from; pretrain_records is the records per document.
OPTIONAL_GROUPS = {"pretraining"}
# Records of the official code's settings that no flag of the pipeline carries: "pending" (icma cannot
# apply them yet; each says what it needs), "built_in" (the pipeline applies them by itself). Only
# recorded: run.json lists the pending ones, reproduce.sh passes neither.
RECORDS = {"pending": {"needs"}, "built_in": set()}
NOT_PER_TASK = {"test_rows", "pretraining", "pretrain_records"}  # made once, before the tasks
NOTE_KEYS = {"source", "why"}
TOP_ONLY = ("about", "for", "tasks")


class ProfileError(Exception):
    pass


class Number(float):
    """A JSON number that remembers how the file wrote it, so flags get 2e-4, not 0.0002."""

    def __new__(cls, text):
        number = super().__new__(cls, text)
        number.text = text
        return number


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def available():
    try:
        return sorted(f[:-5] for f in os.listdir(PROFILES_DIR) if f.endswith(".json"))
    except OSError:
        return []


def find(profile):
    """The file of a profile name or path; ProfileError naming the available ones when there is none."""
    if profile.endswith(".json") or os.sep in profile:
        if os.path.isfile(profile):
            return profile
        raise ProfileError("no profile file %s" % profile)
    path = os.path.join(PROFILES_DIR, profile + ".json")
    if os.path.isfile(path):
        return path
    raise ProfileError("no profile '%s' (configs/profiles/%s.json); available: %s, or a path to a .json file"
                       % (profile, profile, ", ".join(available()) or "none"))


def unwrap(value, where, extra_keys=frozenset(), required=frozenset()):
    """A value, or the value of {"value": V, "source": ..., "why": ...}."""
    if isinstance(value, dict):
        extra = set(value) - {"value"} - NOTE_KEYS - set(extra_keys)
        missing = set(required) - set(value)
        if "value" not in value or extra or missing:
            allowed = ", ".join('"%s": "..."' % k for k in sorted(NOTE_KEYS | set(extra_keys)))
            raise ProfileError("%s: an annotated value is {\"value\": V, %s}%s%s"
                               % (where, allowed, "; unknown key(s) " + ", ".join(sorted(extra)) if extra else "",
                                  "; missing " + ", ".join(sorted(missing)) if missing else ""))
        return value["value"]
    if required:
        raise ProfileError("%s: must be {\"value\": V, %s}" % (where, ", ".join('"%s": "..."' % k for k in sorted(required))))
    return value


def read_record(raw, here, record, per_task):
    """{name: entry} of a pending / built_in record; entries are annotated values, null removes one (per task)."""
    if not isinstance(raw, dict):
        raise ProfileError("%s must be an object of named settings" % here)
    out = {}
    for name, entry in raw.items():
        where = "%s.%s" % (here, name)
        if entry is None and per_task:
            out[name] = None
            continue
        if not isinstance(entry, dict):
            raise ProfileError("%s: a recorded setting is {\"value\": V, \"source\": \"...\"%s}"
                               % (where, ", \"needs\": \"...\"" if RECORDS[record] else ""))
        unwrap(entry, where, extra_keys=RECORDS[record], required=RECORDS[record])
        out[name] = entry
    return out


def read_settings(section, where, per_task):
    """{name: value} for the scalars, {group: {flag: value}} for the flag groups, of one section."""
    out = {}
    for key, raw in section.items():
        here = "%s: %s" % (where, key)
        if per_task and key in NOT_PER_TASK:
            raise ProfileError("%s cannot differ per task" % here)
        if key in SCALARS:
            value = unwrap(raw, here)
            check, wanted = SCALARS[key]
            if not check(value):
                raise ProfileError("%s must be %s, not %s" % (here, wanted, json.dumps(value)))
            out[key] = value
        elif key in OPTIONAL:
            out[key] = unwrap(raw, here)  # checked per task by load()
        elif key in FLAG_GROUPS:
            if not isinstance(raw, dict):
                raise ProfileError("%s must be an object of command-line flags" % here)
            group = {}
            for flag, flag_raw in raw.items():
                value = unwrap(flag_raw, "%s.%s" % (here, flag))
                if not flag.startswith("--"):
                    raise ProfileError("%s: '%s' is not a flag (--name)" % (here, flag))
                if not (value is None or isinstance(value, (bool, str)) or is_number(value)):
                    raise ProfileError("%s.%s: a flag's value is a number, a string, true (a bare flag), "
                                       "false or null (no flag)" % (here, flag))
                group[flag] = value
            out[key] = group
        elif key in RECORDS:
            out[key] = read_record(raw, here, key, per_task)
        elif key in TOP_ONLY and not per_task:
            continue  # prose, what the profile is for, and the overrides load() applies
        else:
            known = list(SCALARS) + list(OPTIONAL) + list(FLAG_GROUPS) + list(RECORDS) + ([] if per_task else list(TOP_ONLY))
            raise ProfileError("%s: unknown key (known: %s)" % (here, ", ".join(known)))
    return out


def read_file(path):
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f, parse_float=Number)
    except (OSError, ValueError) as e:
        raise ProfileError("%s: %s" % (path, e))
    if not isinstance(data, dict):
        raise ProfileError("%s: a profile is a JSON object" % path)
    return data


def resolve(path):
    """(path of the file holding the settings, its data): an alias {"alias": "NAME"} names another profile."""
    data = read_file(path)
    if "alias" not in data:
        return path, data
    extra = set(data) - {"alias", "about"}
    if extra:
        raise ProfileError("%s: an alias profile holds only \"alias\" and \"about\", not %s" % (path, ", ".join(sorted(extra))))
    target = data["alias"]
    if not isinstance(target, str) or not target or os.sep in target or target.endswith(".json"):
        raise ProfileError("%s: alias must name a profile in configs/profiles/ (a name, not a path)" % path)
    target_path = os.path.join(os.path.dirname(os.path.abspath(path)), target + ".json")
    if not os.path.isfile(target_path):
        raise ProfileError("%s: alias names no profile (%s)" % (path, target_path))
    target_data = read_file(target_path)
    if "alias" in target_data:
        raise ProfileError("%s: alias of an alias (%s); name the profile itself" % (path, target))
    return target_path, target_data


def profile_for(data, path):
    """The profile's "for" object ({"dataset": ..., "model": ...}, plain strings), or {}."""
    raw = data.get("for", {})
    if not isinstance(raw, dict):
        raise ProfileError("%s: for is {\"dataset\": \"chebi20\", \"model\": \"org/name\"}" % path)
    out = {}
    for key, value in raw.items():
        value = unwrap(value, "%s: for.%s" % (path, key))
        if key not in ("dataset", "model") or not isinstance(value, str):
            raise ProfileError("%s: for holds \"dataset\" and \"model\" (strings), not %s" % (path, key))
        out[key] = value
    return out


def load(path, task, steps=None, test_rows=None):
    """The settings of one task: the profile's, its task override on top, then --steps / --test-rows."""
    path, data = resolve(path)
    settings = read_settings(data, path, per_task=False)
    for group in OPTIONAL_GROUPS:
        settings.setdefault(group, {})
    missing = [k for k in list(SCALARS) + list(FLAG_GROUPS) if k not in settings]
    if missing:
        raise ProfileError("%s: missing %s" % (path, ", ".join(missing)))
    settings["for"] = profile_for(data, path)
    for record in RECORDS:
        settings.setdefault(record, {})
    overrides = data.get("tasks", {})
    if not isinstance(overrides, dict) or set(overrides) - set(TASKS):
        raise ProfileError("%s: tasks holds overrides per task, keys among %s" % (path, ", ".join(TASKS)))
    for key, value in read_settings(overrides.get(task, {}), "%s: tasks.%s" % (path, task), per_task=True).items():
        if key in FLAG_GROUPS or key in RECORDS:
            merged = dict(settings[key], **value)  # flag by flag; null removes a record entry
            settings[key] = {k: v for k, v in merged.items() if not (key in RECORDS and v is None)}
        else:
            settings[key] = value
    for key, by_task in OPTIONAL.items():
        default, allowed = by_task[task]
        settings.setdefault(key, default)
        if isinstance(allowed, tuple) and len(allowed) == 2 and callable(allowed[0]):
            check, wanted = allowed
        else:
            check, wanted = (lambda v, allowed=allowed: v in allowed), "one of " + ", ".join(allowed)
        if not check(settings[key]):
            raise ProfileError("%s: %s for %s must be %s, not %s"
                               % (path, key, task, wanted, json.dumps(settings[key])))
    if steps is not None:
        kept = {k: v for k, v in settings["training"].items() if k not in ("--epochs", "--max-steps")}
        settings["training"] = dict(kept, **{"--max-steps": steps})
    if test_rows is not None:
        settings["test_rows"] = test_rows
    return settings


def text(value):
    return value.text if isinstance(value, Number) else str(value)


def flags(group):
    """["--flag", "value", "--bare-flag", ...] in the file's order."""
    out = []
    for flag, value in group.items():
        if value is None or value is False:
            continue
        out += [flag] if value is True else [flag, text(value)]
    return out


def plain(value):
    """A record entry's value as JSON would have it (numbers as written are floats again)."""
    return json.loads(json.dumps(value))


def bash(name, settings):
    lines = ["profile_name=%s" % shlex.quote(name),
             "profile_dataset=%s" % shlex.quote(settings["for"].get("dataset", ""))]
    lines += ["%s=%s" % (key, shlex.quote(text(settings[key]))) for key in list(SCALARS) + list(OPTIONAL)]
    lines += ["%s=(%s)" % (group, " ".join(shlex.quote(f) for f in flags(settings[group]))) for group in FLAG_GROUPS]
    lines.append("pending=(%s)" % " ".join(shlex.quote(n) for n in settings["pending"]))
    return "\n".join(lines)


def run_settings(by_task):
    """run.json's "settings": n_shot per task; other values once, or per task where the tasks differ."""
    def one(get):
        values = {task: get(s) for task, s in by_task.items()}
        first = values[TASKS[0]]
        return first if all(v == first for v in values.values()) else values

    out = {
        "n_shot": {task: s["n_shot"] for task, s in by_task.items()},
        "cutoff_len": one(lambda s: s["cutoff_len"]),
        "lora": one(lambda s: " ".join(flags(s["lora"]))),
        "training": one(lambda s: " ".join(flags(s["training"]))),
        "decoding": one(lambda s: " ".join(flags(s["decoding"]))),
        "retrieval": {"k": one(lambda s: s["retrieve_k"]), "random_walk": one(lambda s: s["random_walk"])},
        "prompt_fit": one(lambda s: s["prompt_fit"]),
        "checkpoint": one(lambda s: s["checkpoint"]),
        "generation_dtype": one(lambda s: s["generation_dtype"]),
    }
    if any(s["pretraining"] for s in by_task.values()):
        out["pretraining"] = {"flags": one(lambda s: " ".join(flags(s["pretraining"]))),
                              "records_per_document": one(lambda s: s["pretrain_records"])}
    # The official settings this run does not apply (icma lacks the means yet), so a report says so.
    names = []
    for s in by_task.values():
        names += [n for n in s["pending"] if n not in names]
    if names:
        out["pending"] = {n: one(lambda s, n=n: plain(s["pending"][n]["value"]) if n in s["pending"] else None)
                          for n in names}
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="Profiles: %s (%s)" % (", ".join(available()), PROFILES_DIR))
    parser.add_argument("profile", nargs="?", help="a name in configs/profiles/ or a path to a .json file")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--task", choices=TASKS, help="print bash assignments for this task")
    mode.add_argument("--settings", action="store_true", help="print run.json's settings object")
    mode.add_argument("--list", action="store_true", help="print the available profile names")
    parser.add_argument("--steps", type=int, help="train for N optimizer steps instead of the profile's length")
    parser.add_argument("--test-rows", type=int, help="the first N test rows instead of the profile's (0: all)")
    args = parser.parse_args(argv)
    if args.list:
        print("\n".join(available()))
        return 0
    if not args.profile:
        parser.error("give a profile")
    try:
        path = find(args.profile)
        name = os.path.basename(path)[:-5] if path.endswith(".json") else os.path.basename(path)
        if args.task:
            print(bash(name, load(path, args.task, args.steps, args.test_rows)))
        else:
            by_task = {task: load(path, task, args.steps, args.test_rows) for task in TASKS}
            print(json.dumps(run_settings(by_task)))
    except ProfileError as e:
        print("profile.py: %s" % e, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
