#!/usr/bin/env node
// Writes tests/fixtures/llm_pipeline_hf.json: what Hugging Face `tokenizers`
// (the official Node binding, version pinned in package.json) makes of a
// torture list of texts with each normalizer and pre-tokenizer configuration
// that icma's llm module supports (those of the model files in
// ../shared/models/{galactica-125m,gpt2,mistral-7b-v0.1}/tokenizer.json and
// the other types), and how its AddedVocabulary cuts texts around added tokens.
//
// How to run (needs node >= 18; `npm ci` once to install the binding):
//   cd tests/reference && node make_pipeline_fixtures.js [SHARED_DIR]
// SHARED_DIR defaults to $ICMA_SHARED_DIR, then ../shared (next to the
// repository). A few ChEBI-20 test captions and SMILES are copied in.
//
// Each component is built from its tokenizer.json form: a minimal
// tokenizer.json (WordLevel model) is loaded with Tokenizer.fromString and
// its getNormalizer().normalizeString / getPreTokenizer().preTokenizeString
// give the outputs, so the JSON parsing is the reference one too.
// Pre-tokenizers are applied to the text as a whole input (so Metaspace's
// prepend_scheme "first" sees the input start).
//
// Added vocabulary: encode() of a WordLevel tokenizer whose vocabulary holds
// only [UNK] and the added tokens, with no pre-tokenizer: every piece that is
// not an added token becomes one [UNK]; each token's offsets (characters of
// the original text) give the piece. Recorded as [start, end, id or null] in
// code points of the original text.

'use strict';
const fs = require('fs');
const path = require('path');
const tk = require('tokenizers');

const repoRoot = path.resolve(__dirname, '..', '..');
const sharedDir = path.resolve(process.argv[2] || process.env.ICMA_SHARED_DIR || path.join(repoRoot, '..', 'shared'));
const outPath = path.join(repoRoot, 'tests', 'fixtures', 'llm_pipeline_hf.json');

function loadModelConfig(name) {
  const file = path.join(sharedDir, 'models', name, 'tokenizer.json');
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  return json;
}

function chebiSamples(count) {
  const file = path.join(sharedDir, 'data', 'chebi20', 'test.txt');
  const lines = fs.readFileSync(file, 'utf8').split('\n').slice(1).filter((l) => l.length > 0);
  const out = [];
  for (let i = 0; i < lines.length && out.length < 2 * count; i += 97) {
    const [, smiles, caption] = lines[i].split('\t');
    out.push(smiles, caption);
  }
  return out;
}

const TEXTS = [
  '', ' ', '   ', '\t', '\n', ' \n\t \r\n ', 'Hello world', ' Hello  world ', 'Hello   world\n\nBye\t\tnow  ',
  'a\u00a0b\u2003c\u3000d', 'caf\u00e9 na\u00efve \u00c5ngstr\u00f6m', 'cafe\u0301 \u212b \u1e9b\u0323',
  '\ufb01 \u2460 \u00bd x\u00b2 \u2126 \uff21\uff22\uff23 \u3300',
  '\u03a3\u0399\u03a3\u03a5\u03a6\u039f\u03a3 \u0130stanbul \u1e9e STRASSE \u01c5',
  '\u4e2d\u6587\u5b57\u7b26 \u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8 \ud55c\uad6d\uc5b4',
  'emoji \ud83d\ude00\ud83d\udc4d\ud83c\udffd \ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67 \u2764\ufe0f',
  '1234567890123456789 3.14159 -42 1,000,000 \u0661\u0662\u0663 \u2163',
  "I'm can't we've they'll he'd it's you're 'S",
  '[START_I_SMILES]CC(=O)O[END_I_SMILES]',
  'The SMILES is [START_I_SMILES]C1=CC=CC=C1[END_I_SMILES] and <s> or </s> <unk> <pad> <|endoftext|>.',
  'C[C@@H](N)C(=O)O', 'OC[C@H]1OC(O)[C@H](O)[C@@H](O)[C@@H]1O', 'CC(C)(C)c1ccc(O)cc1 >> [Na+].[Cl-]',
  '!!!??? ... --- *** ((())) [[]] {{}} \\\\ ^^ __ `` || ~~ ## $$ %% && ++ ,, // :: ;; << == >>',
  'SPL1T-TH1S-Pl3A5E in SPL1T-TH1S-Pl3A5Ethe middle',
  'tab\tseparated\tvalues\nnew line\r\nwindows',
  '\u2581already\u2581has\u2581metaspace', 'a\u0000b\u0007c\u200bd\ufeffe\u00adf',
  '\u0915\u094d\u0937 \u0e01\u0e34\u0e19 \u05e9\u05b8\u05c1\u05dc\u05d5\u05b9\u05dd \u0627\u0644\u0639\u0631\u0628\u064a\u0629',
  'x'.repeat(40) + ' ' + '9'.repeat(40),
  "  leading and trailing  ", 'MiXeD CaSe WoRdS', 'word-word_word.word', '\u00e9\u00e9\u00e9 e\u0301e\u0301',
  '\ud835\udc00\ud835\udc01 \u2160\u2161 \u33a1 \u00b5',
  ...chebiSamples(6),
];

const NORMALIZERS = [
  loadModelConfig('galactica-125m').normalizer,
  { type: 'NFC' }, { type: 'NFD' }, { type: 'NFKD' },
  { type: 'Lowercase' },
  { type: 'Strip', strip_left: true, strip_right: true },
  { type: 'Strip', strip_left: true, strip_right: false },
  { type: 'Strip', strip_left: false, strip_right: true },
  { type: 'StripAccents' },
  { type: 'Prepend', prepend: '\u2581' },
  { type: 'Replace', pattern: { String: ' ' }, content: '\u2581' },
  { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' },
  { type: 'Replace', pattern: { Regex: '(\\d)(\\d)' }, content: '#' },
  { type: 'Replace', pattern: { String: '..' }, content: 'X' },
  { type: 'Sequence', normalizers: [{ type: 'Prepend', prepend: '\u2581' }, { type: 'Replace', pattern: { String: ' ' }, content: '\u2581' }] },
  { type: 'Sequence', normalizers: [{ type: 'NFD' }, { type: 'StripAccents' }, { type: 'Lowercase' }] },
  { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
  { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: false },
  { type: 'BertNormalizer', clean_text: false, handle_chinese_chars: false, strip_accents: false, lowercase: true },
  { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: false, strip_accents: true, lowercase: false },
  { type: 'ByteLevel' },
];

const split = (pattern, behavior, invert = false) => ({ type: 'Split', pattern, behavior, invert });
const PRE_TOKENIZERS = [
  loadModelConfig('galactica-125m').pre_tokenizer,
  loadModelConfig('gpt2').pre_tokenizer,
  loadModelConfig('mistral-7b-v0.1').pre_tokenizer,
  { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
  { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
  { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'always', split: true },
  { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'never', split: true },
  { type: 'Metaspace', replacement: '_', prepend_scheme: 'first', split: true },
  { type: 'Metaspace', replacement: '\u2581', add_prefix_space: false, prepend_scheme: 'never' },
  { type: 'Metaspace', replacement: '\u2581', add_prefix_space: true, str_rep: '\u2581' },
  split({ String: ' ' }, 'Removed'), split({ String: ' ' }, 'Isolated'), split({ String: ' ' }, 'MergedWithPrevious'),
  split({ String: ' ' }, 'MergedWithNext'), split({ String: ' ' }, 'Contiguous'), split({ String: ' ' }, 'Removed', true),
  split({ Regex: '\\s+' }, 'Removed'), split({ Regex: '\\d+' }, 'MergedWithNext'), split({ Regex: '[A-Z]' }, 'MergedWithPrevious', true),
  split({ Regex: '\\p{L}+(?=\\s)' }, 'Isolated'), split({ Regex: 'x*' }, 'Isolated'), split({ Regex: '\\s*' }, 'Contiguous'),
  split({ Regex: "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+" }, 'Isolated'),
  { type: 'Digits', individual_digits: true }, { type: 'Digits', individual_digits: false },
  { type: 'Whitespace' }, { type: 'WhitespaceSplit' },
  { type: 'Punctuation', behavior: 'Isolated' }, { type: 'Punctuation', behavior: 'Removed' },
  { type: 'Punctuation', behavior: 'Contiguous' }, { type: 'Punctuation', behavior: 'MergedWithPrevious' },
  { type: 'Punctuation', behavior: 'MergedWithNext' },
  { type: 'BertPreTokenizer' }, { type: 'CharDelimiterSplit', delimiter: '-' },
  { type: 'Sequence', pretokenizers: [{ type: 'WhitespaceSplit' }, { type: 'Digits', individual_digits: false }, { type: 'Punctuation', behavior: 'Isolated' }] },
];

function tokenizerJson({ normalizer = null, preTokenizer = null, addedTokens = [], vocab = { '[UNK]': 0 } }) {
  return JSON.stringify({
    version: '1.0', truncation: null, padding: null, added_tokens: addedTokens,
    normalizer, pre_tokenizer: preTokenizer, post_processor: null, decoder: null,
    model: { type: 'WordLevel', vocab, unk_token: '[UNK]' },
  });
}

const fixture = {
  generator: 'tests/reference/make_pipeline_fixtures.js',
  tokenizers_version: require('tokenizers/package.json').version,
  texts: TEXTS,
  normalizers: NORMALIZERS.map((config) => {
    const n = tk.Tokenizer.fromString(tokenizerJson({ normalizer: config })).getNormalizer();
    return { config, outputs: TEXTS.map((t) => n.normalizeString(t)) };
  }),
  pre_tokenizers: PRE_TOKENIZERS.map((config) => {
    const p = tk.Tokenizer.fromString(tokenizerJson({ preTokenizer: config })).getPreTokenizer();
    return { config, outputs: TEXTS.map((t) => p.preTokenizeString(t).map(([piece]) => piece)) };
  }),
  added_vocabulary: [],
};

// ---- added vocabulary ----------------------------------------------------------
const tok = (id, content, special, opts = {}) => ({
  id, content, single_word: !!opts.single_word, lstrip: !!opts.lstrip, rstrip: !!opts.rstrip,
  normalized: opts.normalized === undefined ? !special : opts.normalized, special,
});
const galacticaAdded = loadModelConfig('galactica-125m').added_tokens;
const gpt2Added = loadModelConfig('gpt2').added_tokens;
const mistralAdded = loadModelConfig('mistral-7b-v0.1').added_tokens;
const renumber = (tokens) => tokens.map((t, i) => ({ ...t, id: i + 1 }));
const ADDED_TEXTS = [
  ...TEXTS,
  '<mask> My name <mask> A<mask> <mask>ony <mask>', '<mask>, <mask>- \u25cc\u0330<mask>',
  'Hi <mask> there\t<mask>\t<mask>\u2000', '[CLS] My name is Anthony [SEP]', 'MY name is my NAME',
  '<s><s></s>', '<s> hello </s>  <s>', 'abcabc abcd ab', 'X<|endoftext|>Y<|endoftext|>', 'yesterday Yesterday YESTERDAY',
];
const ADDED_SETS = [
  { name: 'galactica', tokens: renumber(galacticaAdded), normalizer: { type: 'NFKC' } },
  { name: 'gpt2', tokens: renumber(gpt2Added), normalizer: null },
  { name: 'mistral', tokens: renumber(mistralAdded), normalizer: null },
  {
    name: 'options', normalizer: { type: 'Lowercase' },
    tokens: [
      tok(1, 'my', false, { lstrip: true, rstrip: true }), tok(2, 'name', false), tok(3, 'ony', false, { single_word: true }),
      tok(4, '[CLS]', true), tok(5, '[SEP]', true), tok(6, '<mask>', false, { single_word: true, lstrip: true, rstrip: true }),
      tok(7, 'Yesterday', false), tok(8, 'abc', false, { normalized: false }), tok(9, 'abcd', false, { normalized: false }),
      tok(10, 'ab', true, { normalized: true }), tok(11, '<s>', true, { rstrip: true }), tok(12, '</s>', true, { lstrip: true }),
      tok(13, '<|endoftext|>', true, { single_word: true }),
    ],
  },
];

const decoder = new TextDecoder();
for (const set of ADDED_SETS) {
  const vocab = { '[UNK]': 0 };
  for (const t of set.tokens) vocab[t.content] = t.id;
  const t = tk.Tokenizer.fromString(tokenizerJson({ normalizer: set.normalizer, addedTokens: set.tokens, vocab }));
  const cases = [];
  fixture.added_vocabulary.push({ name: set.name, tokens: set.tokens, normalizer: set.normalizer, tokenizer: t, cases });
}

async function main() {
  for (const set of fixture.added_vocabulary) {
    for (const text of ADDED_TEXTS) {
      const enc = await set.tokenizer.encode(text, null, { addSpecialTokens: false });
      const ids = enc.getIds();
      const offsets = enc.getOffsets();
      set.cases.push({ text, pieces: ids.map((id, i) => [offsets[i][0], offsets[i][1], id === 0 ? null : id]) });
    }
    delete set.tokenizer;
  }
  const json = JSON.stringify(fixture);
  fs.writeFileSync(outPath, json + '\n');
  console.log(`wrote ${outPath} (${json.length} bytes)`);
}
main().catch((e) => { console.error(e); process.exit(1); });
