#!/usr/bin/python3
"""Writes RUN_DIR/report.md (and RUN_DIR/plots/*.png with gnuplot) for a run of scripts/reproduce.sh.

    scripts/report.py --run RUN_DIR [--reference configs/reference_results.json] [--include-unverified]

Reads, all optional (a stage not run yet shows as "—" or a note, never an error):
  RUN_DIR/run.json                               dataset, profile, model, model_origin (embedded: the tiny
                                                 model reproduce.sh made), tasks, settings, data, started, note
  RUN_DIR/timings.tsv                            stage<TAB>seconds<TAB>status (ran|skipped)
  RUN_DIR/<task>/<system>/metrics.json           icma-eval --json, system in retrieval_only, direct_ft, icma
  RUN_DIR/mol2cap/<system>/metrics.t5.json       icma-eval --json with T5 tokens (the official ICMA code's)
  RUN_DIR/<task>/<system>/train/train_log.jsonl  icma-train's log (step/loss lines and step/eval_loss lines)

Published rows come from the reference file: its "rows" (read from the papers) and "secondary_rows" (a paper's
tables as transcribed elsewhere, marked "secondary transcription") for the run's dataset and task are shown
beside ours; its "unverified_rows" (aggregator listings) only with --include-unverified, marked so.

Writes RUN_DIR/report.md (temp file + rename), RUN_DIR/plots/<task>_loss.png (training and validation loss
against step, direct fine-tuning and ICMA) and RUN_DIR/plots/<task>_metrics.png (grouped bars of our three
systems over the metrics in [0, 1]; Levenshtein, an edit distance in characters, is left out of the bars and is
in the table). Prints our results tables (3 rows per task, markdown) to stdout.

Standard library only (Debian's /usr/bin/python3); plots need gnuplot (pngcairo terminal, else png).
"""

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

SYSTEMS = [("retrieval_only", "retrieval-only"), ("direct_ft", "direct fine-tuning"), ("icma", "ICMA (ours)")]
TRAINED = [("direct_ft", "direct fine-tuning"), ("icma", "ICMA")]
METRICS = {
    "mol2cap": [("bleu2", "BLEU-2"), ("bleu4", "BLEU-4"), ("rouge1", "ROUGE-1"), ("rouge2", "ROUGE-2"),
                ("rougeL", "ROUGE-L"), ("meteor", "METEOR")],
    "cap2mol": [("bleu", "BLEU"), ("exact", "Exact"), ("levenshtein", "Levenshtein ↓"), ("validity", "Validity"),
                ("maccs_fts", "MACCS FTS"), ("rdk_fts", "RDK FTS"), ("morgan_fts", "Morgan FTS")],
}
NOT_IN_BARS = {"levenshtein"}  # not in [0, 1]: in the table only
TASK_TITLES = {"mol2cap": "Mol2Cap (molecule → caption)", "cap2mol": "Cap2Mol (caption → molecule)"}
DATASET_TITLES = {"chebi20": "ChEBI-20", "pubchem324k": "PubChem324k"}
DASH = "—"
# Bar / line colours per system, the same in every plot.
COLOURS = {"retrieval_only": "#999999", "direct_ft": "#1f77b4", "icma": "#d62728"}


def warn(message):
    print("report.py: " + message, file=sys.stderr)


def read_json(path, problems):
    """The parsed file, or None when missing; a malformed file is noted in problems and read as None."""
    if not os.path.isfile(path):
        return None
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        problems.append("`%s` could not be read (%s)" % (path, e))
        return None


def finite(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def fmt_metric(key, value, digits=4):
    """Our metrics with 4 decimals; published ones with the 3 the papers print (digits=3)."""
    if not finite(value):
        return DASH
    return "%.2f" % value if key == "levenshtein" else "%.*f" % (digits, value)


def fmt_seconds(seconds):
    if not finite(seconds):
        return DASH
    if seconds < 60:
        return "%.1f s" % seconds
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return "%dm %02ds" % (minutes, secs)
    hours, minutes = divmod(minutes, 60)
    return "%dh %02dm %02ds" % (hours, minutes, secs)


def md_cell(value):
    return str(value).replace("|", "\\|").replace("\n", " ")


def md_table(header, rows):
    lines = ["| " + " | ".join(md_cell(h) for h in header) + " |",
             "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(md_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def umask_mode():
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def write_atomically(path, text):
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, umask_mode())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


# ---------------------------------------------------------------- inputs

def read_timings(path, problems):
    """[(stage, seconds or None, status)] in file order."""
    if not os.path.isfile(path):
        return []
    out = []
    try:
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                line = line.rstrip("\n")
                if not line.strip() or line.startswith("#"):
                    continue
                fields = line.split("\t")
                seconds = None
                if len(fields) > 1:
                    try:
                        seconds = float(fields[1])
                    except ValueError:
                        if number > 1 or fields[1].strip().lower() != "seconds":
                            problems.append("`%s` line %d: seconds %r is not a number" % (path, number, fields[1]))
                        else:
                            continue  # a header line
                out.append((fields[0], seconds, fields[2].strip() if len(fields) > 2 else ""))
    except OSError as e:
        problems.append("`%s` could not be read (%s)" % (path, e))
    return out


def read_train_log(path, problems):
    """(train points [(step, loss)], eval points [(step, eval_loss)], last train line dict) or None if missing."""
    if not os.path.isfile(path):
        return None
    train, evals, last = {}, {}, None
    bad = 0
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                try:
                    entry = json.loads(line)
                except ValueError:
                    bad += 1  # e.g. a line cut by an interrupted run
                    continue
                if not isinstance(entry, dict) or not finite(entry.get("step")):
                    bad += 1
                    continue
                step = entry["step"]
                if finite(entry.get("loss")):
                    train[step] = entry["loss"]  # a resumed run may repeat steps: the later line wins
                    last = entry
                if finite(entry.get("eval_loss")):
                    evals[step] = entry["eval_loss"]
    except OSError as e:
        problems.append("`%s` could not be read (%s)" % (path, e))
        return None
    if bad:
        problems.append("`%s`: %d line(s) skipped (not JSON objects with a step)" % (path, bad))
    return sorted(train.items()), sorted(evals.items()), last


# The reference file's kinds of rows: key -> (kind, shown by default, mark in the table).
REFERENCE_KINDS = [
    ("rows", "paper", True, "published"),
    ("secondary_rows", "secondary", True, "published, secondary transcription"),
    ("unverified_rows", "unverified", False, "published, UNVERIFIED secondary transcription"),
]


def load_reference(path, problems):
    """All reference rows, each with its kind ('paper', 'secondary', 'unverified') and verified (False only for
    'unverified_rows', which are shown on request), and the notes."""
    data = read_json(path, problems) if path else None
    if not isinstance(data, dict):
        return [], []
    rows = []
    for key, kind, shown, _ in REFERENCE_KINDS:
        rows += [dict(r, kind=kind, verified=shown) for r in data.get(key, []) if isinstance(r, dict)]
    notes = data.get("notes", [])
    if isinstance(notes, str):
        notes = [notes]
    return rows, notes


def discover_tasks(run_dir, run):
    tasks = run.get("tasks") if isinstance(run.get("tasks"), list) else None
    if not tasks:
        tasks = [t for t in METRICS if os.path.isdir(os.path.join(run_dir, t))]
    return [t for t in tasks if isinstance(t, str)]


# ---------------------------------------------------------------- plots

def find_gnuplot():
    gnuplot = shutil.which("gnuplot")
    if not gnuplot:
        return None, None
    try:
        terminals = subprocess.run([gnuplot, "-e", "set terminal"], capture_output=True, text=True, timeout=30)
        listing = terminals.stdout + terminals.stderr
    except (OSError, subprocess.SubprocessError):
        return None, None
    if "pngcairo" in listing:
        return gnuplot, "pngcairo size 960,560 font 'Sans,11'"
    return gnuplot, "png size 960,560"


def gp_string(text):
    return "'" + str(text).replace("'", "''") + "'"


def run_gnuplot(gnuplot, script, out_png, problems):
    """Runs script (which must write to the file named by the placeholder @OUT@) and renames into place."""
    directory = os.path.dirname(out_png)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(out_png) + ".", suffix=".tmp", dir=directory)
    os.close(fd)
    try:
        result = subprocess.run([gnuplot], input=script.replace("@OUT@", gp_string(tmp)), capture_output=True,
                                text=True, timeout=120)
        with open(tmp, "rb") as f:
            ok = f.read(8) == b"\x89PNG\r\n\x1a\n"
        if result.returncode != 0 or not ok:
            problems.append("gnuplot failed for `%s`: %s" % (os.path.basename(out_png),
                                                           (result.stderr.strip() or "no PNG written")[-400:]))
            os.unlink(tmp)
            return False
        os.chmod(tmp, umask_mode())
        os.replace(tmp, out_png)
        return True
    except (OSError, subprocess.SubprocessError) as e:
        problems.append("gnuplot failed for `%s`: %s" % (os.path.basename(out_png), e))
        if os.path.exists(tmp):
            os.unlink(tmp)
        return False


def plot_losses(gnuplot, terminal, task, logs, out_png, work, problems):
    """logs: {system: (train, evals, last)}. False when there is nothing to draw."""
    plots = []
    for system, label in TRAINED:
        log = logs.get(system)
        if not log:
            continue
        train, evals, _ = log
        for kind, points, style in (("train", train, "lines lw 2"),
                                    ("eval", evals, "linespoints lw 2 dt 2 pt 7 ps 1.2")):
            if not points:
                continue
            if len(points) == 1 and kind == "train":
                style = "points pt 5 ps 1.2"  # a single logged step: a line would not show
            data = os.path.join(work, "%s_%s_%s.dat" % (task, system, kind))
            with open(data, "w", encoding="utf-8") as f:
                f.writelines("%r %r\n" % (s, v) for s, v in points)
            title = "%s — %s" % (label, "training loss" if kind == "train" else "validation loss")
            plots.append("%s using 1:2 with %s lc rgb '%s' title %s"
                         % (gp_string(data), style, COLOURS[system], gp_string(title)))
    if not plots:
        return False
    script = "\n".join([
        "set terminal " + terminal,
        "set output @OUT@",
        "set termoption noenhanced",
        "set title %s" % gp_string("%s: loss vs step" % TASK_TITLES.get(task, task)),
        "set xlabel 'optimizer step'",
        "set ylabel 'loss (mean token cross-entropy, nats)'",
        "set grid",
        "set key top right box opaque",
        "set xrange [0:*]",
        "plot " + ", \\\n     ".join(plots),
        "unset output",
    ])
    return run_gnuplot(gnuplot, script, out_png, problems)


def plot_metrics(gnuplot, terminal, task, metrics_by_system, out_png, work, problems):
    keys = [(k, label) for k, label in METRICS.get(task, []) if k not in NOT_IN_BARS]
    present = [s for s, _ in SYSTEMS
               if any(finite((metrics_by_system.get(s) or {}).get(k)) for k, _ in keys)]
    if not keys or not present:
        return False
    data = os.path.join(work, "%s_metrics.dat" % task)
    with open(data, "w", encoding="utf-8") as f:
        f.write("# metric " + " ".join(s for s, _ in SYSTEMS) + "\n")
        for key, label in keys:
            values = []
            for system, _ in SYSTEMS:
                value = (metrics_by_system.get(system) or {}).get(key)
                values.append("%r" % value if finite(value) else "NaN")
            f.write('"%s" %s\n' % (label.replace(" ↓", ""), " ".join(values)))
    columns = []  # only the systems evaluated so far, each in its own colour
    for i, (system, label) in enumerate(SYSTEMS):
        if system in present:
            columns.append("%s using %d:xtic(1) lc rgb '%s' title %s"
                           % ("''" if columns else gp_string(data), i + 2, COLOURS[system], gp_string(label)))
    script = "\n".join([
        "set terminal " + terminal,
        "set output @OUT@",
        "set termoption noenhanced",
        "set title %s" % gp_string("%s: test metrics (higher is better%s)"
                                   % (TASK_TITLES.get(task, task),
                                      "; Levenshtein is in the table" if task == "cap2mol" else "")),
        "set style data histograms",
        "set style histogram clustered gap 1",
        "set style fill solid 0.9 border rgb 'black'",
        "set boxwidth 0.9",
        "set yrange [0:1.05]",
        "set ytics 0.1",
        "set ylabel 'score'",
        "set grid ytics",
        "set key top left box opaque",
        "set datafile missing 'NaN'",
        "plot " + ", \\\n     ".join(columns),
        "unset output",
    ])
    return run_gnuplot(gnuplot, script, out_png, problems)


# ---------------------------------------------------------------- report

def settings_rows(value, prefix=""):
    if isinstance(value, dict):
        rows = []
        for key in value:
            rows += settings_rows(value[key], prefix + str(key) + ".")
        return rows
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return [(prefix[:-1], "`%s`" % text if text else DASH)]


def cite(source):
    """A published row's source cell: paper and table (linked), and where it was transcribed."""
    text = source.get("paper", "?")
    if source.get("table"):
        text += ", " + source["table"]
    if source.get("url"):
        text = "[%s](%s)" % (text, source["url"])
    if source.get("transcription"):
        where = source["transcription"]
        if source.get("transcription_url"):
            where = "[%s](%s)" % (where, source["transcription_url"])
        text += "; transcribed in " + where
    return text


def fmt_with_interval(key, value, interval):
    """A metric with its 95% bootstrap interval when icma-eval gave one: 0.2300 [0.221, 0.240]."""
    text = fmt_metric(key, value)
    if text == DASH or not (isinstance(interval, list) and len(interval) == 2 and all(map(finite, interval))):
        return text
    low, high = (fmt_metric(key, v, 3 if key != "levenshtein" else 4) for v in interval)
    return "%s [%s, %s]" % (text, low, high)


def ours_table(task, metrics_by_system, rows_by_system, intervals_by_system=None):
    keys = METRICS.get(task, [])
    header = ["System"] + [label for _, label in keys] + ["Test rows"]
    rows = []
    for system, label in SYSTEMS:
        metrics = metrics_by_system.get(system) or {}
        intervals = (intervals_by_system or {}).get(system) or {}
        n = rows_by_system.get(system)
        rows.append([label] + [fmt_with_interval(k, metrics.get(k), intervals.get(k)) for k, _ in keys]
                    + [n if n is not None else DASH])
    return header, rows


HEADLINE = {"mol2cap": ("bleu4", "BLEU-4"), "cap2mol": ("bleu", "BLEU")}


def paired_by_system(icma_json):
    """{system: {metric: {difference, interval, p_value}}} from ICMA's metrics.json comparisons (icma-eval --paired)."""
    out = {}
    for comparison in (icma_json or {}).get("comparisons") or []:
        against = os.path.basename(os.path.dirname(str(comparison.get("against", ""))))
        if against in dict(SYSTEMS) and isinstance(comparison.get("metrics"), dict):
            out[against] = comparison["metrics"]
    return out


def fmt_p(p, equals=" = "):
    """A p-value as the tables ("p 0.004", equals=" ") and the verdict ("p = 0.004") print it;
    both "p < 0.001" below the third decimal."""
    return "p < 0.001" if p < 0.001 else "p%s%.3f" % (equals, p)


def fmt_difference(key, entry):
    if not isinstance(entry, dict) or not finite(entry.get("difference")):
        return DASH
    digits = 2 if key == "levenshtein" else 4
    text = "%+.*f" % (digits, entry["difference"])
    if finite(entry.get("p_value")):
        text += " (%s)" % fmt_p(entry["p_value"], equals=" ")
    return text


def paired_table(task, paired):
    keys = METRICS[task]
    rows = []
    for system, label in (SYSTEMS[1], SYSTEMS[0]):  # direct fine-tuning first
        metrics = paired.get(system)
        if metrics:
            rows.append(["ICMA − %s" % label] + [fmt_difference(k, metrics.get(k)) for k, _ in keys])
    return ["Comparison"] + [label for _, label in keys], rows


def verdict(task, paired, tiny_model):
    """One honest sentence per comparison on the task's headline metric."""
    key, label = HEADLINE[task]
    sentences = []
    for system, name in (("direct_ft", "direct fine-tuning"), ("retrieval_only", "retrieval-only")):
        entry = (paired.get(system) or {}).get(key)
        if not isinstance(entry, dict) or not finite(entry.get("difference")) or not finite(entry.get("p_value")):
            continue
        difference, p = entry["difference"], entry["p_value"]
        if abs(difference) < 5e-5:  # below the tables' precision (e.g. two BLEUs of almost no matches)
            sentences.append("ICMA and %s are level on %s (%+.4f)." % (name, label, difference))
        elif difference > 0 and p < 0.05:
            sentences.append("ICMA beats %s on %s (%+.4f, paired bootstrap %s)." % (name, label, difference, fmt_p(p)))
        elif difference < 0 and p < 0.05:
            sentences.append("ICMA is **below** %s on %s (%+.4f, %s)." % (name, label, difference, fmt_p(p)))
        else:
            sentences.append("ICMA and %s do not differ significantly on %s (%+.4f, %s)."
                             % (name, label, difference, fmt_p(p)))
    if not sentences:
        return None
    below_direct = not any(s.startswith("ICMA beats direct") for s in sentences)
    if below_direct and tiny_model:
        sentences.append("ICMA's gain rests on a language model's ability to read its in-context examples, which "
                         "a model this small, trained from scratch on this run's data, barely has (README, "
                         "\"What the main job shows\"); the paper's setting is a pretrained LLM "
                         "(`--profile paper --model ...`, on a GPU).")
    return " ".join(sentences)


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", required=True, help="run directory (results/<run>)")
    parser.add_argument("--reference", default=os.path.join(here, "..", "configs", "reference_results.json"),
                        help="published results to show beside ours (default: configs/reference_results.json)")
    parser.add_argument("--include-unverified", action="store_true",
                        help="also show the reference file's unverified_rows (secondary transcriptions), marked so")
    parser.add_argument("--no-plots", action="store_true", help="do not run gnuplot")
    args = parser.parse_args(argv)

    run_dir = args.run
    if not os.path.isdir(run_dir):
        warn("no run directory %s" % run_dir)
        return 2
    problems = []
    run = read_json(os.path.join(run_dir, "run.json"), problems)
    if not isinstance(run, dict):
        run = {}
    dataset = run.get("dataset") if isinstance(run.get("dataset"), str) else None
    tasks = discover_tasks(run_dir, run)
    reference, reference_notes = load_reference(args.reference, problems)
    if args.reference and not os.path.isfile(args.reference):
        problems.append("no reference file `%s`: no published rows shown" % args.reference)

    gnuplot, terminal = (None, None) if args.no_plots else find_gnuplot()
    plots_dir = os.path.join(run_dir, "plots")
    work = tempfile.mkdtemp(prefix="icma-report-")

    out = []
    title = os.path.basename(os.path.normpath(os.path.abspath(run_dir)))
    out.append("# ICMA run report: %s\n" % title)
    out.append("Generated by `scripts/report.py` from the files in this directory. Metrics are on the %s test set, "
               "computed by `icma-eval`; \"%s\" marks a stage that has not produced output yet.\n"
               % (DATASET_TITLES.get(dataset, dataset or "(unknown dataset)"), DASH))

    # Configuration
    out.append("## Configuration\n")
    if run:
        config = [("dataset", DATASET_TITLES.get(dataset, dataset) if dataset else DASH)]
        for key in ("profile", "model", "tasks", "started", "note"):
            if key in run:
                value = run[key]
                config.append((key, ", ".join(map(str, value)) if isinstance(value, list) else str(value)))
        for key in run:
            if key not in ("dataset", "profile", "model", "tasks", "started", "note", "settings"):
                config += settings_rows(run[key], key + ".")
        out.append(md_table(["", "value"], config) + "\n")
        if isinstance(run.get("settings"), dict) and run["settings"]:
            out.append("Settings:\n")
            out.append(md_table(["setting", "value"], settings_rows(run["settings"])) + "\n")
    else:
        out.append("No `run.json` in this directory.\n")

    # Results
    stdout_tables = []
    out.append("## Results\n")
    if not tasks:
        out.append("No task has output yet.\n")
    try:
        for task in tasks:
            out.append("### %s\n" % TASK_TITLES.get(task, task))
            if task not in METRICS:
                out.append("Unknown task `%s`: skipped.\n" % task)
                continue
            metrics_by_system, rows_by_system, logs = {}, {}, {}
            t5_metrics, t5_rows = {}, {}
            intervals_by_system, paired = {}, {}
            for system, _ in SYSTEMS:
                for name, metrics, rows in (("metrics.json", metrics_by_system, rows_by_system),
                                            ("metrics.t5.json", t5_metrics, t5_rows)):
                    data = read_json(os.path.join(run_dir, task, system, name), problems)
                    if isinstance(data, dict) and isinstance(data.get("metrics"), dict):
                        metrics[system] = data["metrics"]
                        rows[system] = data.get("rows")
                        if name == "metrics.json" and isinstance(data.get("intervals"), dict):
                            intervals_by_system[system] = data["intervals"]
                        if name == "metrics.json" and system == "icma":
                            paired = paired_by_system(data)
                        if data.get("task") not in (None, task):
                            problems.append("`%s/%s/%s` says task %r" % (task, system, name, data.get("task")))
            for system, _ in TRAINED:
                log = read_train_log(os.path.join(run_dir, task, system, "train", "train_log.jsonl"), problems)
                if log is not None:
                    logs[system] = log

            header, rows = ours_table(task, metrics_by_system, rows_by_system, intervals_by_system)
            paired_header, paired_rows = paired_table(task, paired)
            finding = verdict(task, paired, tiny_model=run.get("model_origin") == "embedded")
            stdout_tables.append("%s — %s\n\n%s\n%s%s" % (
                TASK_TITLES.get(task, task), DATASET_TITLES.get(dataset, dataset or "?"), md_table(header, rows),
                "\n" + md_table(paired_header, paired_rows) + "\n" if paired_rows else "",
                "\n" + finding + "\n" if finding else ""))
            # Ours, then the published rows for the same dataset and task.
            keys = METRICS[task]
            table = []
            for (system, _), row in zip(SYSTEMS, rows):
                if system not in metrics_by_system:
                    source = "this run (not evaluated yet)"
                elif row[-1] != DASH:
                    source = "this run, %s test rows" % row[-1]
                else:
                    source = "this run"
                table.append(row[:-1] + [source])
            matching = [r for r in reference if r.get("dataset") == dataset and r.get("task") == task]
            published = [r for r in matching if r["verified"] or args.include_unverified]
            marks = {kind: mark for _, kind, _, mark in REFERENCE_KINDS}
            for r in published:
                metrics = r.get("metrics") or {}
                table.append(["%s *(%s)*" % (r.get("system", "?"), marks.get(r["kind"], "published"))]
                             + [fmt_metric(k, metrics.get(k), 3) for k, _ in keys] + [cite(r.get("source") or {})])
            out.append(md_table(header[:-1] + ["Source"], table) + "\n")
            if intervals_by_system:
                out.append("In brackets: 95% bootstrap confidence intervals of our rows (icma-eval: 1,000 resamples "
                           "of the test rows, each metric recomputed as defined; corpus BLEU from the resampled "
                           "rows' n-gram counts).\n")
            if paired_rows:
                out.append("Paired bootstrap of ICMA against the other two systems on the same test rows "
                           "(difference, and its two-sided p-value as sacreBLEU computes it):\n")
                out.append(md_table(paired_header, paired_rows) + "\n")
            if finding:
                out.append("**What this run shows:** %s\n" % finding)
            if task == "cap2mol":
                out.append("Levenshtein is a mean edit distance in characters (lower is better); every other column "
                           "is in [0, 1], higher is better.\n")
            if task == "mol2cap":
                out.append("BLEU and METEOR count SciBERT word pieces (MolT5's metrics); ROUGE does not depend on "
                           "the tokens.\n")
            if any(r["kind"] == "secondary" for r in published):
                out.append("Rows marked *secondary transcription* were not read from the paper itself but from a "
                           "transcription of its tables (named in the source column); see "
                           "\"About the published numbers\" below.\n")
            hidden = len(matching) - len(published)
            if not published:
                out.append("No published %s rows for %s in the reference file%s.\n"
                           % (task, DATASET_TITLES.get(dataset, dataset or "this dataset"),
                              "; it has %d unverified secondary transcription(s), shown with "
                              "`--include-unverified`" % hidden if hidden else ""))
            elif hidden:
                out.append("The reference file has %d more unverified row(s) for this table (aggregator listings), "
                           "shown with `--include-unverified`.\n" % hidden)

            # Mol2Cap with T5 tokens: the official ICMA code scores BLEU and METEOR so (naive_test.py).
            if task == "mol2cap":
                spiece = (run.get("data") or {}).get("spiece") if isinstance(run.get("data"), dict) else None
                out.append("#### Mol2Cap with T5 tokens (the official ICMA code's scoring)\n")
                if t5_metrics:
                    t5_header, t5_table = ours_table(task, t5_metrics, t5_rows)
                    out.append(md_table(t5_header, t5_table) + "\n")
                    out.append("The same predictions, BLEU and METEOR counted in the T5 SentencePiece tokens of MolT5's "
                               "tokenizer (`icma-eval --text-tokenizer sentencepiece`, spiece.model of "
                               "laituan245/molt5-base-smiles2caption), as the official ICMA code's naive_test.py "
                               "scores; ROUGE is the same as above. Which tokens the published rows above use is not "
                               "stated where they were read.\n")
                    stdout_tables.append("%s, T5 tokens — %s\n\n%s\n" % (TASK_TITLES[task],
                                                                       DATASET_TITLES.get(dataset, dataset or "?"),
                                                                       md_table(t5_header, t5_table)))
                elif spiece:
                    out.append("No T5-token scores yet (`<system>/metrics.t5.json`): not evaluated yet, or icma-eval "
                               "failed with `%s` (see the run's log).\n" % spiece)
                else:
                    out.append("**No T5-token scores**: this run had no T5 `spiece.model` beside the SciBERT "
                               "vocabulary, so Mol2Cap is scored with SciBERT word pieces only. "
                               "`scripts/download_data.sh` fetches it into "
                               "`data/vocab/molt5-base-smiles2caption/spiece.model`; run `reproduce.sh` again to "
                               "add the scores.\n")

            # Training summary
            train_rows = []
            for system, label in TRAINED:
                log = logs.get(system)
                if not log:
                    train_rows.append([label] + [DASH] * 5)
                    continue
                train, evals, last = log
                last = last or {}
                train_rows.append([
                    label,
                    "%d" % train[-1][0] if train else DASH,
                    "%.4f" % train[-1][1] if train else DASH,
                    "%.4f → %.4f" % (evals[0][1], evals[-1][1]) if len(evals) > 1 else
                    ("%.4f" % evals[0][1] if evals else DASH),
                    "%.0f" % last["tokens_per_second"] if finite(last.get("tokens_per_second")) else DASH,
                    fmt_seconds(last.get("elapsed_seconds")),
                ])
            out.append("Training (from `train/train_log.jsonl`):\n")
            out.append(md_table(["System", "Last step", "Last training loss", "Validation loss (first → last)",
                                 "Tokens/s", "Training time"], train_rows) + "\n")

            # Plots
            if gnuplot:
                os.makedirs(plots_dir, exist_ok=True)
                loss_png = os.path.join(plots_dir, "%s_loss.png" % task)
                if plot_losses(gnuplot, terminal, task, logs, loss_png, work, problems):
                    out.append("![%s loss curves](plots/%s_loss.png)\n" % (task, task))
                    out.append("*Training loss (solid) and validation loss (dashed, points) against optimizer step, "
                               "direct fine-tuning in blue, ICMA in red.*\n")
                else:
                    out.append("*No loss plot: no training log has loss values yet.*\n")
                metrics_png = os.path.join(plots_dir, "%s_metrics.png" % task)
                if plot_metrics(gnuplot, terminal, task, metrics_by_system, metrics_png, work, problems):
                    out.append("![%s metrics](plots/%s_metrics.png)\n" % (task, task))
                    out.append("*Test metrics of our systems evaluated so far (grey: retrieval-only, blue: direct "
                               "fine-tuning, red: ICMA)%s.*\n" % ("; Levenshtein is not in [0, 1] and is left out of the bars"
                                                     if task == "cap2mol" else ""))
                else:
                    out.append("*No metrics plot: no system has been evaluated yet.*\n")
            elif not args.no_plots:
                out.append("*Plots not drawn: gnuplot was not found.*\n")
    finally:
        shutil.rmtree(work, ignore_errors=True)

    # Timings
    out.append("## Timings\n")
    timings = read_timings(os.path.join(run_dir, "timings.tsv"), problems)
    if timings:
        total = sum(s for _, s, status in timings if finite(s) and status != "skipped")
        rows = [[stage, fmt_seconds(seconds), status or DASH] for stage, seconds, status in timings]
        rows.append(["**total (stages that ran)**", "**%s**" % fmt_seconds(total), ""])
        out.append(md_table(["Stage", "Time", "Status"], rows) + "\n")
        out.append("\"skipped\": the stage's output was up to date from an earlier invocation and it was not run "
                   "again; the total counts only the stages that ran.\n")
    else:
        out.append("No `timings.tsv` yet.\n")

    # Reference notes and problems
    if reference_notes:
        out.append("## About the published numbers\n")
        ref = os.path.abspath(args.reference)
        repo = os.path.abspath(os.path.join(here, ".."))
        shown = os.path.relpath(ref, repo) if ref.startswith(repo + os.sep) else ref
        out.append("From `%s`:\n" % shown)
        out += ["- %s" % n for n in reference_notes]
        out.append("")
    if problems:
        out.append("## Problems met while writing this report\n")
        out += ["- %s" % p for p in problems]
        out.append("")

    write_atomically(os.path.join(run_dir, "report.md"), "\n".join(out).rstrip() + "\n")
    for problem in problems:
        warn(problem)
    if stdout_tables:
        print("\n".join(stdout_tables).rstrip())
    else:
        print("No results yet in %s." % run_dir)
    print("\nReport: %s" % os.path.join(run_dir, "report.md"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
