// METEOR against NLTK 3.8's meteor_score (fixture: tests/reference/make_eval_fixtures.py).

#include <gtest/gtest.h>


#include "icma/eval/meteor.hpp"
#include "icma/text/porter_stemmer.hpp"
#include "icma/text/wordnet.hpp"
#include "test_support.hpp"

namespace icma::eval {
namespace {

class MeteorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!testing::file_exists(testing::wordnet_dir() + "/index.noun")) return;
    wordnet_ = new text::WordNet(text::WordNet::open(testing::wordnet_dir()));
  }
  static void TearDownTestSuite() {
    delete wordnet_;
    wordnet_ = nullptr;
  }
  void SetUp() override {
    if (wordnet_ == nullptr) GTEST_SKIP() << "no WordNet database at " << testing::wordnet_dir();
  }
  static text::WordNet* wordnet_;
  text::PorterStemmer stemmer_;
};
text::WordNet* MeteorTest::wordnet_ = nullptr;

using Words = std::vector<std::string>;

TEST_F(MeteorTest, MatchesNltk) {
  const Meteor meteor(stemmer_, *wordnet_);
  const auto fixture = testing::load_json(testing::fixture_path("eval_reference.json"));
  for (const auto& item : fixture["meteor"]) {
    const auto reference = item["reference"].get<Words>();
    const auto hypothesis = item["hypothesis"].get<Words>();
    EXPECT_EQ(meteor.score(reference, hypothesis), item["meteor"].get<double>()) << item.dump();
  }
}

TEST_F(MeteorTest, EachStageFindsItsMatches) {
  const Meteor meteor(stemmer_, *wordnet_);
  MeteorAlignment alignment;
  meteor.score(Words{"the", "cats", "are", "quick"}, Words{"the", "cat", "is", "fast"}, &alignment);
  EXPECT_EQ(alignment.exact, 1u);    // the
  EXPECT_EQ(alignment.stem, 1u);     // cats ~ cat
  EXPECT_EQ(alignment.synonym, 1u);  // quick ~ fast ("is" -> be, whose lemmas hold neither "are" nor its stem)
  EXPECT_EQ(alignment.chunks, 2u);   // NLTK aligns (0,0) (1,1) (3,3)
}

TEST_F(MeteorTest, DegenerateInputsScoreZero) {
  const Meteor meteor(stemmer_, *wordnet_);
  EXPECT_EQ(meteor.score(Words{}, Words{"a"}), 0.0);
  EXPECT_EQ(meteor.score(Words{"a"}, Words{}), 0.0);
  EXPECT_EQ(meteor.score(Words{"a", "b"}, Words{"x", "y"}), 0.0);
}

TEST_F(MeteorTest, ScoresFromSeveralThreadsAgree) {
  const Meteor meteor(stemmer_, *wordnet_);
  const Words reference{"it", "is", "a", "conjugate", "base", "of", "a", "carboxylic", "acid"};
  const Words hypothesis{"it", "derives", "from", "a", "carboxylic", "acids", "bases"};
  const double expected = meteor.score(reference, hypothesis);
  std::atomic<int> mismatches{0};
  testing::run_concurrently(4, [&](int) {
    for (int i = 0; i < 200; ++i) {
      if (meteor.score(reference, hypothesis) != expected) ++mismatches;
    }
  });
  EXPECT_EQ(mismatches.load(), 0);
}

}  // namespace
}  // namespace icma::eval
