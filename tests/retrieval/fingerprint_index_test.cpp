// Fingerprint retrieval: fingerprints and similarities against python3-rdkit
// to the last bit (fixture: tests/reference/make_fingerprint_fixtures.py),
// then the index's own contract: ranking, exclusions, files, threads.

#include "icma/retrieval/fingerprint_index.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "icma/chem/retrieval_fingerprints.hpp"
#include "icma/core/error.hpp"
#include "test_support.hpp"

namespace icma::retrieval {
namespace {

using chem::BitFingerprint;
using chem::Molecule;

const nlohmann::json& fixture() {
  static const nlohmann::json json = testing::load_json(testing::fixture_path("fingerprint_rdkit.json"));
  return json;
}

std::vector<std::string> fixture_smiles() { return fixture()["smiles"].get<std::vector<std::string>>(); }

constexpr FingerprintKind kAllKinds[] = {FingerprintKind::morgan, FingerprintKind::rdk, FingerprintKind::maccs};

BitFingerprint fingerprint_of(FingerprintKind kind, const std::string& smiles) {
  const auto molecule = Molecule::from_smiles(smiles);
  if (!molecule) throw std::runtime_error("does not parse: " + smiles);
  return compute_fingerprint(kind, *molecule);
}

std::vector<std::uint32_t> on_bits(const BitFingerprint& fingerprint) {
  std::vector<std::uint32_t> on;
  for (std::size_t bit = 0; bit < fingerprint.size(); ++bit) {
    if (fingerprint.test(bit)) on.push_back(static_cast<std::uint32_t>(bit));
  }
  return on;
}

// The fixture's digest: FNV-1a 64 of the on bits as 4-byte little-endian words.
std::string fnv1a_hex(const std::vector<std::uint32_t>& on) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (std::uint32_t bit : on) {
    for (int byte = 0; byte < 4; ++byte) {
      hash ^= (bit >> (8 * byte)) & 0xFF;
      hash *= 1099511628211ULL;
    }
  }
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
  return text;
}

std::vector<std::uint32_t> rows_of(const std::vector<Neighbour>& ranked) {
  std::vector<std::uint32_t> rows;
  for (const Neighbour& neighbour : ranked) rows.push_back(neighbour.row);
  return rows;
}

// ---- against python3-rdkit ------------------------------------------------------------

TEST(FingerprintRdkit, EveryFingerprintMatchesBitForBit) {
  const auto smiles = fixture_smiles();
  ASSERT_EQ(smiles.size(), 500u);
  for (FingerprintKind kind : kAllKinds) {
    const auto& expected = fixture()["kinds"][fingerprint_kind_name(kind)];
    int mismatches = 0;
    for (std::size_t i = 0; i < smiles.size(); ++i) {
      const BitFingerprint fingerprint = fingerprint_of(kind, smiles[i]);
      const auto on = on_bits(fingerprint);
      const bool same = fingerprint.size() == expected["num_bits"][i].get<std::size_t>() &&
                        on.size() == expected["num_on"][i].get<std::size_t>() &&
                        fnv1a_hex(on) == expected["fnv1a"][i].get<std::string>();
      if (!same) ++mismatches;
      EXPECT_TRUE(same) << fingerprint_kind_name(kind) << " of '" << smiles[i] << "' (" << fingerprint.size()
                        << " bits, " << on.size() << " on)";
    }
    EXPECT_EQ(mismatches, 0) << fingerprint_kind_name(kind);
    for (const auto& [row, bits] : expected["on_bits"].items()) {
      const BitFingerprint fingerprint = fingerprint_of(kind, smiles[std::stoul(row)]);
      EXPECT_EQ(on_bits(fingerprint), bits.get<std::vector<std::uint32_t>>()) << fingerprint_kind_name(kind) << " row " << row;
    }
  }
}

TEST(FingerprintRdkit, FingerprintMolLengthsVaryAsRdkitFoldsThem) {
  // FingerprintMol folds to a 0.3 target density, down to 64 bits.
  const BitFingerprint methane = fingerprint_of(FingerprintKind::rdk, "C");
  EXPECT_EQ(methane.size(), 64u);
  EXPECT_EQ(methane.count(), 0u);
  EXPECT_EQ(fingerprint_of(FingerprintKind::morgan, "C").size(), 2048u);
  EXPECT_EQ(fingerprint_of(FingerprintKind::maccs, "C").size(), 167u);
  const auto& lengths = fixture()["kinds"]["rdk"]["num_bits"];
  std::set<std::size_t> distinct(lengths.begin(), lengths.end());
  EXPECT_EQ(distinct, (std::set<std::size_t>{64, 128, 256, 512, 1024, 2048}));
}

TEST(FingerprintRdkit, PairSimilaritiesMatchToTheLastBit) {
  const auto smiles = fixture_smiles();
  const auto& pairs = fixture()["pairs"];
  for (FingerprintKind kind : kAllKinds) {
    std::vector<BitFingerprint> fingerprints;
    for (const auto& s : smiles) fingerprints.push_back(fingerprint_of(kind, s));
    const auto& expected = fixture()["kinds"][fingerprint_kind_name(kind)]["pairs"];
    ASSERT_EQ(expected.size(), pairs.size());
    int mismatches = 0;
    for (std::size_t p = 0; p < pairs.size(); ++p) {
      const std::size_t a = pairs[p][0];
      const std::size_t b = pairs[p][1];
      const double similarity = chem::fingerprint_similarity(fingerprints[a], fingerprints[b]);
      if (similarity != expected[p].get<double>()) ++mismatches;
      EXPECT_EQ(similarity, expected[p].get<double>()) << fingerprint_kind_name(kind) << " pair " << a << ", " << b;
    }
    EXPECT_EQ(mismatches, 0) << fingerprint_kind_name(kind);
  }
}

TEST(FingerprintRdkit, EdgeMoleculesMatch) {
  const auto edge = fixture()["edge_smiles"].get<std::vector<std::string>>();
  for (FingerprintKind kind : kAllKinds) {
    const auto& expected = fixture()["kinds"][fingerprint_kind_name(kind)];
    std::vector<std::optional<BitFingerprint>> fingerprints;
    for (std::size_t i = 0; i < edge.size(); ++i) {
      fingerprints.push_back(fingerprint_of(kind, edge[i]));
      EXPECT_EQ(fingerprints.back()->size(), expected["edge_num_bits"][i].get<std::size_t>());
    }
    const FingerprintIndex index = FingerprintIndex::from_fingerprints(kind, fingerprints);
    for (std::size_t a = 0; a < edge.size(); ++a) {
      const auto ranked = index.top_k(*fingerprints[a], edge.size());
      ASSERT_EQ(ranked.size(), edge.size());
      for (const Neighbour& neighbour : ranked) {
        const double want = expected["edge_similarities"][a][neighbour.row].get<double>();
        EXPECT_EQ(neighbour.score, want) << fingerprint_kind_name(kind) << " '" << edge[a] << "' vs '" << edge[neighbour.row] << "'";
        EXPECT_EQ(chem::fingerprint_similarity(*fingerprints[a], *fingerprints[neighbour.row]), want);
      }
    }
  }
}

TEST(FingerprintIndex, RanksTheFixtureCorpusLikeTheIcmaCode) {
  const auto smiles = fixture_smiles();
  const auto queries = fixture()["queries"].get<std::vector<std::uint32_t>>();
  for (FingerprintKind kind : kAllKinds) {
    const auto& expected = fixture()["kinds"][fingerprint_kind_name(kind)];
    const FingerprintIndex index = FingerprintIndex::build(smiles, kind, 2);
    EXPECT_EQ(index.kind(), kind);
    EXPECT_EQ(index.size(), 500u);
    EXPECT_TRUE(index.unparsable_rows().empty());
    for (std::size_t q = 0; q < queries.size(); ++q) {
      const BitFingerprint query = fingerprint_of(kind, smiles[queries[q]]);
      // All 500 scores, each equal to RDKit's.
      const auto all = index.top_k(query, 1000);
      ASSERT_EQ(all.size(), 500u);
      for (const Neighbour& neighbour : all) {
        EXPECT_EQ(neighbour.score, expected["query_scores"][q][neighbour.row].get<double>())
            << fingerprint_kind_name(kind) << " query " << queries[q] << " row " << neighbour.row;
      }
      EXPECT_EQ(rows_of(index.top_k(query, 10)), expected["top10"][q].get<std::vector<std::uint32_t>>())
          << fingerprint_kind_name(kind) << " query " << queries[q];
      EXPECT_EQ(rows_of(index.top_k(query, 10, queries[q])),
                expected["top10_excluding_self"][q].get<std::vector<std::uint32_t>>())
          << fingerprint_kind_name(kind) << " query " << queries[q];
    }
  }
}

TEST(FingerprintRdkit, FoldingIsRdkitsModulo) {
  // FoldFingerprint(bits, factor): size / factor bits, bit i goes to i % new size.
  BitFingerprint bits(130);
  for (std::size_t bit : {0, 5, 64, 65, 129}) bits.set(bit);
  const BitFingerprint halved = chem::fold_fingerprint(bits, 2);
  EXPECT_EQ(halved.size(), 65u);
  EXPECT_EQ(on_bits(halved), (std::vector<std::uint32_t>{0, 5, 64}));
  const BitFingerprint thirds = chem::fold_fingerprint(bits, 3);  // 43 bits; 129 % 43 = 0
  EXPECT_EQ(on_bits(thirds), (std::vector<std::uint32_t>{0, 5, 21, 22}));
  EXPECT_EQ(chem::fold_fingerprint(bits, 1), bits);
  EXPECT_THROW(chem::fold_fingerprint(bits, 0), std::invalid_argument);
  EXPECT_THROW(chem::fold_fingerprint(bits, 131), std::invalid_argument);
}

// ---- the index's contract -----------------------------------------------------------------

TEST(FingerprintKind, NamesRoundTrip) {
  for (FingerprintKind kind : kAllKinds) EXPECT_EQ(parse_fingerprint_kind(fingerprint_kind_name(kind)), kind);
  EXPECT_THROW(parse_fingerprint_kind("ecfp"), InputError);
  EXPECT_THROW(parse_fingerprint_kind("Morgan"), InputError);
}

TEST(FingerprintIndex, UnparsableRowsAreListedAndNeverReturned) {
  const std::vector<std::string> smiles = {"CCO", "C1CC", "CCN", "xyz", "c1ccccc1O", "c1cccc1"};
  const FingerprintIndex index = FingerprintIndex::build(smiles, FingerprintKind::morgan, 2);
  EXPECT_EQ(index.size(), 6u);
  EXPECT_EQ(index.searchable_size(), 3u);
  EXPECT_EQ(index.unparsable_rows(), (std::vector<std::uint32_t>{1, 3, 5}));
  EXPECT_FALSE(index.fingerprint(1).has_value());
  EXPECT_FALSE(index.fingerprint(99).has_value());
  ASSERT_TRUE(index.fingerprint(4).has_value());
  EXPECT_EQ(*index.fingerprint(4), fingerprint_of(FingerprintKind::morgan, "c1ccccc1O"));

  const auto ranked = index.top_k(fingerprint_of(FingerprintKind::morgan, "CCO"), 10);
  EXPECT_EQ(ranked.size(), 3u);
  EXPECT_EQ(ranked.front().row, 0u);
  EXPECT_EQ(ranked.front().score, 1.0);
  for (const Neighbour& neighbour : ranked) EXPECT_TRUE(neighbour.row == 0 || neighbour.row == 2 || neighbour.row == 4);
}

TEST(FingerprintIndex, ExcludeRowDropsOnlyThatRow) {
  const std::vector<std::string> smiles = {"CCO", "CCO", "CCCO", "c1ccccc1"};
  const FingerprintIndex index = FingerprintIndex::build(smiles, FingerprintKind::rdk, 1);
  const BitFingerprint query = *index.fingerprint(0);
  EXPECT_EQ(rows_of(index.top_k(query, 2)), (std::vector<std::uint32_t>{0, 1}));
  EXPECT_EQ(rows_of(index.top_k(query, 2, 0u)), (std::vector<std::uint32_t>{1, 2}));
  EXPECT_EQ(index.top_k(query, 10, 0u).size(), 3u);
  // A row that is not in the index excludes nothing.
  EXPECT_EQ(index.top_k(query, 10, 77u).size(), 4u);
}

TEST(FingerprintIndex, TiesKeepCorpusOrder) {
  // Rows 1, 3, 4 and 6 are the same molecule; 0, 2 and 5 score lower.
  const std::vector<std::string> smiles = {"CCCC", "CCO", "CCCCCC", "OCC", "C(O)C", "CC", "CCO"};
  for (FingerprintKind kind : kAllKinds) {
    const FingerprintIndex index = FingerprintIndex::build(smiles, kind, 2);
    const BitFingerprint query = fingerprint_of(kind, "CCO");
    const auto ranked = index.top_k(query, 7);
    ASSERT_EQ(ranked.size(), 7u);
    const auto rows = rows_of(ranked);
    EXPECT_EQ(std::vector<std::uint32_t>(rows.begin(), rows.begin() + 4), (std::vector<std::uint32_t>{1, 3, 4, 6}))
        << fingerprint_kind_name(kind);
    EXPECT_EQ(ranked[3].score, 1.0);
    EXPECT_LT(ranked[4].score, 1.0);
    for (std::size_t i = 1; i < ranked.size(); ++i) {
      const bool ordered = ranked[i - 1].score > ranked[i].score ||
                           (ranked[i - 1].score == ranked[i].score && ranked[i - 1].row < ranked[i].row);
      EXPECT_TRUE(ordered) << fingerprint_kind_name(kind) << " at rank " << i;
    }
    // Cutting the list inside a run of ties keeps its first rows.
    EXPECT_EQ(rows_of(index.top_k(query, 2)), (std::vector<std::uint32_t>{1, 3}));
    EXPECT_EQ(rows_of(index.top_k(query, 3, 3u)), (std::vector<std::uint32_t>{1, 4, 6}));
  }
}

TEST(FingerprintIndex, KLargerThanTheCorpusReturnsEverything) {
  const std::vector<std::string> smiles = {"CCO", "CCN", "bad(", "c1ccccc1"};
  const FingerprintIndex index = FingerprintIndex::build(smiles, FingerprintKind::maccs, 2);
  const BitFingerprint query = fingerprint_of(FingerprintKind::maccs, "CCO");
  EXPECT_EQ(index.top_k(query, 100).size(), 3u);
  EXPECT_EQ(index.top_k(query, 100, 0u).size(), 2u);
  EXPECT_TRUE(index.top_k(query, 0).empty());
  const FingerprintIndex empty = FingerprintIndex::build({}, FingerprintKind::maccs, 2);
  EXPECT_EQ(empty.size(), 0u);
  EXPECT_TRUE(empty.top_k(query, 10).empty());
}

TEST(FingerprintIndex, FoldsLikeRdkitWhenLengthsDiffer) {
  // Word-aligned folds take the fast paths, other lengths the bit-by-bit
  // one; all must agree with chem::fingerprint_similarity.
  const auto make = [](std::size_t bits, std::vector<std::size_t> on) {
    BitFingerprint fingerprint(bits);
    for (std::size_t bit : on) fingerprint.set(bit);
    return fingerprint;
  };
  const std::vector<std::optional<BitFingerprint>> rows = {
      make(256, {1, 65, 130, 200, 255}), make(64, {1, 2, 3}), make(128, {1, 64, 65, 127}), std::nullopt,
      make(256, {}),
  };
  const FingerprintIndex index = FingerprintIndex::from_fingerprints(FingerprintKind::rdk, rows);
  for (const BitFingerprint& query : {make(128, {1, 2, 65}), make(64, {1}), make(512, {1, 300, 511}), make(64, {})}) {
    const auto ranked = index.top_k(query, 10);
    ASSERT_EQ(ranked.size(), 4u);
    for (const Neighbour& neighbour : ranked) {
      EXPECT_EQ(neighbour.score, chem::fingerprint_similarity(*rows[neighbour.row], query))
          << query.size() << "-bit query, row " << neighbour.row;
    }
  }
  // Not whole words apart: 334 folds onto 167 bit by bit.
  const std::vector<std::optional<BitFingerprint>> odd = {make(334, {0, 166, 167, 333}), make(167, {0, 5})};
  const FingerprintIndex odd_index = FingerprintIndex::from_fingerprints(FingerprintKind::maccs, odd);
  const BitFingerprint query = make(167, {0, 166});
  for (const Neighbour& neighbour : odd_index.top_k(query, 2)) {
    EXPECT_EQ(neighbour.score, chem::fingerprint_similarity(*odd[neighbour.row], query));
  }
  EXPECT_EQ(chem::fingerprint_similarity(*odd[0], query), 1.0);  // folded: {0, 166}
  // Lengths RDKit cannot fold onto each other, and empty queries, throw.
  EXPECT_THROW(odd_index.top_k(make(2048, {1}), 1), std::invalid_argument);
  EXPECT_THROW(index.top_k(BitFingerprint(), 1), std::invalid_argument);
  EXPECT_THROW(chem::fingerprint_similarity(make(2048, {1}), make(167, {1})), std::invalid_argument);
}

TEST(FingerprintIndex, SaveAndLoadRoundTrip) {
  const std::vector<std::string> smiles = {"CCO", "C1CC", "c1ccccc1O", "CC(=O)Oc1ccccc1C(=O)O", "", "CCN", "[Na+].[Cl-]"};
  for (FingerprintKind kind : kAllKinds) {
    const FingerprintIndex built = FingerprintIndex::build(smiles, kind, 2);
    const std::string path = testing::temp_dir() + "/round_trip_" + fingerprint_kind_name(kind) + ".fpi";
    built.save(path);
    const FingerprintIndex loaded = FingerprintIndex::load(path);
    EXPECT_EQ(loaded.kind(), kind);
    EXPECT_EQ(loaded.size(), built.size());
    EXPECT_EQ(loaded.searchable_size(), built.searchable_size());
    EXPECT_EQ(loaded.unparsable_rows(), (std::vector<std::uint32_t>{1}));
    EXPECT_EQ(loaded.slot_words(), built.slot_words());
    for (std::uint32_t row = 0; row < smiles.size(); ++row) EXPECT_EQ(loaded.fingerprint(row), built.fingerprint(row));
    for (const auto& s : {"CCO", "c1ccccc1", "CCCCCCCCCCCCCCCCCCCCC(=O)O"}) {
      const BitFingerprint query = fingerprint_of(kind, s);
      const auto a = built.top_k(query, 5, 0u);
      const auto b = loaded.top_k(query, 5, 0u);
      ASSERT_EQ(a.size(), b.size());
      for (std::size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].row, b[i].row);
        EXPECT_EQ(a[i].score, b[i].score);
      }
    }
  }
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TEST(FingerprintIndex, BadFilesAreInputErrors) {
  const std::string dir = testing::temp_dir();
  EXPECT_THROW(FingerprintIndex::load(dir + "/missing.fpi"), InputError);

  const FingerprintIndex index = FingerprintIndex::build({"CCO", "c1ccccc1", "CCN"}, FingerprintKind::morgan, 1);
  const std::string good_path = dir + "/good.fpi";
  index.save(good_path);
  const std::string good = read_bytes(good_path);
  ASSERT_GT(good.size(), 48u);

  const auto expect_rejected = [&](const std::string& name, const std::string& bytes, const std::string& says) {
    const std::string path = dir + "/" + name + ".fpi";
    testing::write_text(path, bytes);
    try {
      FingerprintIndex::load(path);
      ADD_FAILURE() << name << ": loaded";
    } catch (const InputError& error) {
      EXPECT_NE(std::string(error.what()).find(path), std::string::npos) << error.what();
      EXPECT_NE(std::string(error.what()).find(says), std::string::npos) << name << ": " << error.what();
    }
  };
  expect_rejected("empty", "", "header");
  expect_rejected("text", "CID\tSMILES\tdescription\n1\tCCO\tethanol\n", "header");
  expect_rejected("truncated", good.substr(0, good.size() - 9), "bytes");
  expect_rejected("longer", good + "x", "bytes");
  std::string flipped = good;
  flipped[good.size() / 2] ^= 0x10;
  expect_rejected("flipped", flipped, "checksum");
  std::string version = good;
  version[8] = 2;
  expect_rejected("version", version, "version 2");
  std::string kind = good;
  kind[12] = 9;
  expect_rejected("kind", kind, "kind");
}

TEST(FingerprintIndex, SaveIsAtomicAndLeavesNoTemporaryFiles) {
  const std::string dir = testing::temp_dir() + "/atomic";
  std::filesystem::create_directories(dir);
  FingerprintIndex::build({"CCO"}, FingerprintKind::maccs, 1).save(dir + "/a.fpi");
  FingerprintIndex::build({"CCN", "CCC"}, FingerprintKind::maccs, 1).save(dir + "/a.fpi");  // replaces it
  EXPECT_EQ(FingerprintIndex::load(dir + "/a.fpi").size(), 2u);
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 1u);
}

TEST(FingerprintIndex, ConcurrentQueriesGiveTheSameAnswers) {
  const auto smiles = fixture_smiles();
  const FingerprintIndex index = FingerprintIndex::build(smiles, FingerprintKind::rdk, 2);
  std::vector<BitFingerprint> queries;
  std::vector<std::vector<Neighbour>> expected;
  for (std::size_t q = 0; q < 60; ++q) {
    queries.push_back(*index.fingerprint(static_cast<std::uint32_t>(q * 7)));
    expected.push_back(index.top_k(queries.back(), 10, static_cast<std::uint32_t>(q * 7)));
  }
  std::vector<int> mismatches(4, 0);
  testing::run_concurrently(4, [&](int thread) {
    for (int round = 0; round < 5; ++round) {
      for (std::size_t q = 0; q < queries.size(); ++q) {
        const auto got = index.top_k(queries[q], 10, static_cast<std::uint32_t>(q * 7));
        bool same = got.size() == expected[q].size();
        for (std::size_t i = 0; same && i < got.size(); ++i) {
          same = got[i].row == expected[q][i].row && got[i].score == expected[q][i].score;
        }
        if (!same) ++mismatches[thread];
      }
    }
  });
  EXPECT_EQ(mismatches, (std::vector<int>(4, 0)));
}

}  // namespace
}  // namespace icma::retrieval
