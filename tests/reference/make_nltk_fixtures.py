#!/usr/bin/python3
"""Writes the NLTK reference fixtures for the Porter stemmer and WordNet tests.

Run from the repository root with Debian's Python, which has NLTK 3.8:

    /usr/bin/python3 tests/reference/make_nltk_fixtures.py

It writes tests/fixtures/porter_nltk.json and tests/fixtures/wordnet_nltk.json.
Options:
    --out DIR       write the fixtures into DIR instead of tests/fixtures
    --full          check every word instead of a sample (large files, for
                    one-off verification; point the tests at them with
                    ICMA_NLTK_FIXTURES=DIR, do not commit them)
    --wordnet DIR   WordNet 3.0 database directory (default /usr/share/wordnet)
    --captions F    ChEBI-20 TSV whose caption words are sampled
                    (default ../shared/data/chebi20/test.txt); only the words
                    go into the fixtures, never the file

The word lists are built deterministically (fixed seed), so rerunning the
script on the same inputs gives the same files.
"""

import argparse
import json
import os
import random
import re
import sys
import tempfile
import warnings

from nltk.corpus.reader.wordnet import WordNetCorpusReader
from nltk.stem.porter import PorterStemmer

# The 45 lexicographer files of WordNet 3.0 (lexnames). Debian's wordnet-base
# does not ship this file but NLTK's reader refuses to start without it.
LEXNAMES = [
    "adj.all", "adj.pert", "adv.all", "noun.Tops", "noun.act", "noun.animal",
    "noun.artifact", "noun.attribute", "noun.body", "noun.cognition",
    "noun.communication", "noun.event", "noun.feeling", "noun.food",
    "noun.group", "noun.location", "noun.motive", "noun.object",
    "noun.person", "noun.phenomenon", "noun.plant", "noun.possession",
    "noun.process", "noun.quantity", "noun.relation", "noun.shape",
    "noun.state", "noun.substance", "noun.time", "verb.body", "verb.change",
    "verb.cognition", "verb.communication", "verb.competition",
    "verb.consumption", "verb.contact", "verb.creation", "verb.emotion",
    "verb.motion", "verb.perception", "verb.possession", "verb.social",
    "verb.stative", "verb.weather", "adj.ppl",
]
LEXNAME_POS = {"adj": 3, "adv": 4, "noun": 1, "verb": 2}

POS_NAMES = ["n", "v", "a", "r"]  # NLTK's POS_LIST order
POS_FILES = {"n": "noun", "v": "verb", "a": "adj", "r": "adv"}


def open_wordnet(dict_dir, tmp):
    """NLTK's reader over dict_dir plus a generated lexnames file."""
    for name in os.listdir(dict_dir):
        os.symlink(os.path.join(dict_dir, name), os.path.join(tmp, name))
    with open(os.path.join(tmp, "lexnames"), "w") as f:
        for i, name in enumerate(LEXNAMES):
            f.write("%02d\t%s\t%d\n" % (i, name, LEXNAME_POS[name.split(".")[0]]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "multilingual functions are not available"
        return WordNetCorpusReader(tmp, None)


def index_lemmas(dict_dir):
    lemmas = []
    for pos in POS_NAMES:
        with open(os.path.join(dict_dir, "index." + POS_FILES[pos])) as f:
            lemmas += [line.split()[0] for line in f if not line.startswith(" ")]
    return sorted(set(lemmas))


def exception_forms(dict_dir):
    forms = {}
    for pos in POS_NAMES:
        with open(os.path.join(dict_dir, POS_FILES[pos] + ".exc")) as f:
            forms[pos] = [line.split()[0] for line in f if line.strip()]
    return forms


def caption_words(path):
    """Whitespace tokens and letter runs of the captions (column 3)."""
    tokens, letter_runs = set(), set()
    with open(path, encoding="utf-8") as f:
        next(f)  # header
        for line in f:
            fields = line.rstrip("\n").split("\t")
            if len(fields) < 3:
                continue
            for token in fields[2].split():
                tokens.add(token)
                tokens.add(token.lower())
            for run in re.findall(r"[A-Za-z]+", fields[2]):
                letter_runs.add(run.lower())
    return sorted(tokens), sorted(letter_runs)


# Words that exercise a particular rule or quirk of NLTK's PorterStemmer.
PORTER_TRICKY = [
    # the NLTK pool of irregular forms; the lookup uses the word as given,
    # so only the lowercase spellings hit it
    "sky", "skies", "dying", "lying", "tying", "news", "innings", "inning",
    "outings", "outing", "cannings", "canning", "howe", "proceed", "exceed",
    "succeed", "Sky", "SKIES", "Dying", "NEWS", "News", "die", "lie", "tie",
    # len(word) <= 2 words are only lowercased
    "", "a", "I", "is", "IS", "As", "at", "by", "yy", "ss", "s", "y", "ed",
    "ie", "Ed", "xY",
    # step 1a/1b NLTK extensions
    "dies", "ties", "lies", "pies", "flies", "ponies", "caresses", "caress",
    "cats", "ies", "died", "tied", "spied", "ied", "cried", "feed", "agreed",
    "eed", "bleed", "plastered", "bled", "motoring", "sing", "ing", "ed",
    "conflated", "troubled", "sized", "hopping", "tanned", "falling",
    "hissing", "fizzed", "failing", "filing", "owed", "aed", "ating",
    # the rule list's "*d" entry also matches a literal "*d" suffix in NLTK
    "a*ded", "xa*ding", "*ding", "ba*d", "ab*ded",
    # step 1c
    "happy", "sky", "enjoy", "spy", "fly", "try", "by", "toy", "syzygy",
    "yyy", "yay", "ayyy", "yyyyyy", "boy", "ky",
    # step 2 / 3 / 4 / 5
    "relational", "rational", "conditional", "valenci", "hesitanci",
    "digitizer", "conformabli", "radicalli", "differentli", "vileli",
    "analogousli", "vietnamization", "predication", "operator", "feudalism",
    "decisiveness", "hopefulness", "callousness", "formaliti",
    "sensitiviti", "sensibiliti", "generously", "generous", "hopefulli",
    "archaeology", "geology", "theology", "ology", "logi", "analogi",
    "triplicate", "formative", "formalize", "electriciti", "electrical",
    "hopeful", "goodness", "revival", "allowance", "inference", "airliner",
    "gyroscopic", "adjustable", "defensible", "irritant", "replacement",
    "adjustment", "dependent", "adoption", "homologou", "communism",
    "activate", "angulariti", "homologous", "effective", "bowdlerize",
    "probate", "rate", "cease", "controll", "roll", "controlling",
    "generalization", "generalizations", "oscillators", "hydroxy",
    "hydroxyl", "hydroxylated", "carboxylic", "acids", "conjugate",
    "conjugated", "deprotonation", "tautomer", "metabolite", "alkylation",
    "enantiomer", "stereoisomers", "functionally", "substituted",
    "monocarboxylic", "glucosaminyl", "oligosaccharide",
    # wordpiece-style tokens and punctuation as BERT tokenisers emit them
    "##ate", "##yl", "##ic", "##ing", "##s", "##ies", "(", ")", "-", ",",
    ".", "1", "12", "123", "3-oxo", "(2s)-2-amino", "n-acetyl", "'s",
    # upper case goes through Python's str.lower
    "Generously", "HAPPY", "RUNNING", "Acids", "ALKYLATION", "DNA", "DiEs",
    # non-ASCII: code points, str.lower's full mapping and final sigma
    "℃", "65℃", "℃)", "café", "CAFÉS", "naïve", "naïvely", "Straße",
    "STRASSE", "ΣΑΣ", "ΟΔΥΣΣΕΥΣ", "σ", "Σ", "aΣ", "AΣ.", "İ", "İs",
    "İstanbul", "Aİ", "ǅ", "ǄEMAL", "ﬁnally", "Ⅻ", "ÀÉÎÕÜ", "µg",
    "α-hydroxy", "β-lactams", "Δ", "Δ(4)", "ΔΔΔ", "𝔸bc", "résumés",
    "niño", "Ωmega", "ΑΒΓ", "ÿes", "ŸES", "Kelvin", "\u212aelvin",
]


def python_lower_table():
    """Every code point whose str.lower() differs from itself."""
    table = []
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        c = chr(cp)
        lowered = c.lower()
        if lowered != c:
            table.append([cp, lowered])
    return table


# Strings whose lowercase depends on context (Greek final sigma).
LOWER_CONTEXT = [
    "ΣΑΣ", "ΟΔΥΣΣΕΥΣ", "Σ", "aΣ", "aΣb", "AΣ.", "Σa", "A'Σ", "A'Σ'", "AΣ'a",
    "ΑΣ\u0301", "ΑΣ\u0301Α", "1Σ", "ΣΣ", "Σ-Σ", "ǅΣ", "İΣ", "ΣΑΣ ΣΑΣ",
    "ABC", "Hello World", "ÀÉÎÕÜ", "Straße", "İ", "ﬀ", "ΆΣ", "aΣ\u00ad",
    "aΣ\u00adb", "\u0345Σ", "a\u0345Σ",
]


def build_porter(words_wn, caption_tokens, caption_runs, full):
    rng = random.Random(20240301)
    stemmer = PorterStemmer()
    if full:
        words = words_wn + caption_tokens + caption_runs
    else:
        words = (rng.sample(words_wn, 3000) + rng.sample(caption_tokens, 1500)
                 + caption_runs)
    words = list(dict.fromkeys(PORTER_TRICKY + words))  # unique, order kept
    return {
        "source": "nltk %s PorterStemmer() (NLTK_EXTENSIONS), stem(word)" % nltk_version(),
        "lower_table": python_lower_table(),
        "lower_context": [[s, s.lower()] for s in LOWER_CONTEXT],
        "stems": [[w, stemmer.stem(w)] for w in words],
    }


WORDNET_TRICKY = [
    # exception lists (noun.exc, verb.exc, adj.exc, adv.exc)
    "geese", "ran", "better", "best", "wolves", "dies", "died", "men",
    "women", "oxen", "mice", "children", "went", "gone", "were", "was",
    "is", "are", "been", "had", "did", "worse", "worst", "further",
    "farther", "bested", "aardwolves", "abaci", "feet", "teeth", "lives",
    "leaves", "axes", "bases", "analyses", "data", "criteria", "phenomena",
    # inflections handled by the substitution rules
    "dogs", "churches", "boxes", "buzzes", "dishes", "ladies", "flies",
    "running", "hoped", "hoping", "stopped", "happier", "happiest",
    "larger", "largest", "wiser", "chairmen", "firemen", "glasses",
    "knives", "buses", "crises",
    # caption vocabulary
    "hydroxi", "hydroxy", "acid", "acids", "base", "role", "roles",
    "compound", "compounds", "group", "groups", "derives", "derived",
    "molecule", "molecules", "conjugate", "conjugated", "functionally",
    "related", "substituted", "position", "positions", "metabolite", "has",
    "it", "a", "an", "the", "of", "is", "as", "and", "by", "at", "with",
    "from", "in", "to", "obtained", "formal", "condensation", "species",
    "major", "ph", "carboxylic", "amino", "alpha", "beta", "hydroxyl",
    "oxo", "methyl", "ethyl", "ester", "esters", "steroid", "lipid",
    "protein", "enzyme", "inhibitor", "agent", "human", "plant", "fungal",
    "bacterial", "anion", "cation", "salt", "water", "sugar", "ring",
    "rings", "chain", "chains", "bond", "bonds", "atom", "atoms", "oxygen",
    "nitrogen", "carbon", "hydrogen", "sulfur", "chlorine", "iron",
    # case, punctuation, empty, no synsets, odd forms
    "Dogs", "GEESE", "Ran", "U.S.", "us", "Aachen", "aachen", "DNA",
    "xyzzy", "qwertyuiop", "", "s", "es", "ies", "men", "-", "(", "123",
    "1", "##ate", "##yl", "3-oxo", "℃", "İ", "café", "ΣΑΣ", "hot_dog",
    "hot dog", "ice_cream", "sesesesesesesesesesesesesesesesesesesesese",
    "iesiesiesiesiesiesies", "eseseseseseseses", "menmenmenmen",
    "sesses", "chesches", "shesshesshes", "xesxesxes", "vesves",
    "ingingeded", "esteresterest", "'hood", "'s_gravenhage", ".22",
    "a.d.", "on_the_road",
    # adjective lemmas carrying syntactic markers in data.adj ("alive(p)")
    "about", "alive", "out", "used_to", "going", "putative", "outback",
    "one", "running", "self-confessed", "adequate_to",
]


def synset_pos(synset):
    """Satellite adjectives ("s") live in data.adj like the heads ("a")."""
    return "a" if synset.pos() == "s" else synset.pos()


def build_wordnet(wn, words_wn, exc_forms, caption_runs, full):
    rng = random.Random(20240302)
    if full:
        words = words_wn + caption_runs + [f for p in POS_NAMES for f in exc_forms[p]]
    else:
        words = rng.sample(words_wn, 250) + rng.sample(caption_runs, 250)
        for pos in POS_NAMES:
            forms = exc_forms[pos]
            words += rng.sample(forms, min(60, len(forms)))
        # regular inflections of real lemmas reach the substitution rules
        suffixes = ["s", "es", "ies", "ing", "ed", "er", "est", "men", "ves"]
        for lemma in rng.sample(words_wn, 150):
            words.append(lemma + rng.choice(suffixes))
        words += [w.upper() for w in rng.sample(words_wn, 20)]
    words = list(dict.fromkeys(WORDNET_TRICKY + words))

    entries, lemma_names = [], {}
    for word in words:
        synsets = wn.synsets(word)
        names = set()
        for s in synsets:
            key = "%s:%d" % (synset_pos(s), s.offset())
            lemma_names[key] = [l.name() for l in s.lemmas()]
            names.update(lemma_names[key])
        entries.append({
            "word": word,
            "morphy": {p: wn._morphy(word, p) for p in POS_NAMES},
            "synsets": [[synset_pos(s), s.offset()] for s in synsets],
            "synonyms": sorted(names),
        })
    return {
        "source": "nltk %s WordNetCorpusReader over WordNet 3.0: _morphy(word, pos), "
                  "synsets(word), [l.name() for l in synset.lemmas()]" % nltk_version(),
        "words": entries,
        "lemma_names": lemma_names,
    }


def nltk_version():
    import nltk
    return nltk.__version__


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    print("wrote %s (%d bytes)" % (path, os.path.getsize(path)))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.normpath(os.path.join(here, "..", ".."))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=os.path.join(repo, "tests", "fixtures"))
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--wordnet", default="/usr/share/wordnet")
    parser.add_argument("--captions",
                        default=os.path.join(repo, "..", "shared", "data", "chebi20", "test.txt"))
    args = parser.parse_args()

    words_wn = index_lemmas(args.wordnet)
    exc_forms = exception_forms(args.wordnet)
    caption_tokens, caption_runs = caption_words(args.captions)
    os.makedirs(args.out, exist_ok=True)

    write_json(os.path.join(args.out, "porter_nltk.json"),
               build_porter(words_wn, caption_tokens, caption_runs, args.full))
    with tempfile.TemporaryDirectory() as tmp:
        wn = open_wordnet(args.wordnet, tmp)
        write_json(os.path.join(args.out, "wordnet_nltk.json"),
                   build_wordnet(wn, words_wn, exc_forms, caption_runs, args.full))


if __name__ == "__main__":
    sys.exit(main())
