// Prompt templates: configs/prompts/icma.json writes the official ICMA
// prompts byte for byte, and what icma-generate reads back from prompts,
// targets and outputs.

#include <gtest/gtest.h>

#include <string>

#include "icma/core/error.hpp"
#include "icma/prompt/template.hpp"
#include "test_support.hpp"

namespace icma::prompt {
namespace {

using data::Task;

PromptTemplates icma_templates() {
  return PromptTemplates::load(std::string(ICMA_TEST_FIXTURES) + "/../../configs/prompts/icma.json");
}

TEST(PromptTemplate, Mol2CapInContext) {
  const PromptTemplates t = icma_templates();
  const std::string prompt = t.prompt(Task::mol2cap, "CCO", {{"CC", "Ethane."}, {"CCC", "Propane."}});
  EXPECT_EQ(prompt,
            "Generate a caption for the molecule: CC\nCaption: Ethane.\n\n"
            "Generate a caption for the molecule: CCC\nCaption: Propane.\n\n"
            "Based on the above examples, analyse the similarities and differences between the examples and "
            "finally generate a caption for the molecule: CCO. \n");
  EXPECT_EQ(t.target(Task::mol2cap, "Ethanol.", "</s>"), "Caption: Ethanol.</s>");
}

TEST(PromptTemplate, Cap2MolInContext) {
  const PromptTemplates t = icma_templates();
  const std::string prompt = t.prompt(Task::cap2mol, "Ethanol.", {{"CC", "Ethane."}});
  EXPECT_EQ(prompt,
            "Generate a molecule for the caption: Ethane.\nMolecule: CC\n\n"
            "Based on the above examples, analyse the similarities and differences between the examples and "
            "finally generate a molecule for the caption: Ethanol.\n");
  EXPECT_EQ(t.target(Task::cap2mol, "CCO", "</s>"), "Molecule: CCO</s>");
}

TEST(PromptTemplate, ZeroShot) {
  const PromptTemplates t = icma_templates();
  EXPECT_EQ(t.prompt(Task::mol2cap, "CCO", {}), "Generate a caption for the molecule: CCO\n");
  EXPECT_EQ(t.prompt(Task::cap2mol, "The molecule is ethanol.", {}),
            "Generate a molecule that: The molecule is ethanol.\n");
}

TEST(PromptTemplate, SmilesWrapping) {
  PromptTemplates t = icma_templates();
  EXPECT_FALSE(t.wrap_smiles());
  t.set_wrap_smiles(true);
  EXPECT_EQ(t.prompt(Task::mol2cap, "CCO", {{"CC", "Ethane."}}),
            "Generate a caption for the molecule: [START_I_SMILES]CC[END_I_SMILES]\nCaption: Ethane.\n\n"
            "Based on the above examples, analyse the similarities and differences between the examples and "
            "finally generate a caption for the molecule: [START_I_SMILES]CCO[END_I_SMILES]. \n");
  EXPECT_EQ(t.target(Task::cap2mol, "CCO", "</s>"), "Molecule: [START_I_SMILES]CCO[END_I_SMILES]</s>");
  // Read back without the markers.
  EXPECT_EQ(t.answer_of_output(Task::cap2mol, "Molecule: [START_I_SMILES]CCO[END_I_SMILES]\n"), "CCO");
  EXPECT_EQ(t.answer_of_target(Task::cap2mol, "Molecule: [START_I_SMILES]CCO[END_I_SMILES]</s>", "</s>"), "CCO");
  EXPECT_EQ(t.input_of_prompt(Task::mol2cap, t.prompt(Task::mol2cap, "C=O", {{"CC", "Ethane."}})), "C=O");
}

TEST(PromptTemplate, InputOfPromptReadsTheLastLine) {
  const PromptTemplates t = icma_templates();
  const std::string in_context = t.prompt(Task::mol2cap, "CC(=O)O", {{"CC", "Ethane."}, {"CCC", "Propane."}});
  EXPECT_EQ(t.input_of_prompt(Task::mol2cap, in_context), "CC(=O)O");
  EXPECT_EQ(t.input_of_prompt(Task::mol2cap, t.prompt(Task::mol2cap, "CCN", {})), "CCN");
  const std::string caption = "The molecule is a steroid. It has a role as a metabolite.";
  EXPECT_EQ(t.input_of_prompt(Task::cap2mol, t.prompt(Task::cap2mol, caption, {{"CC", "Ethane."}})), caption);
  EXPECT_EQ(t.input_of_prompt(Task::cap2mol, t.prompt(Task::cap2mol, caption, {})), caption);
  EXPECT_EQ(t.input_of_prompt(Task::mol2cap, "Tell me about water.\n"), std::nullopt);
}

TEST(PromptTemplate, AnswerOfTargetAndOutput) {
  const PromptTemplates t = icma_templates();
  EXPECT_EQ(t.answer_of_target(Task::mol2cap, "Caption: The molecule is X.</s>", "</s>"), "The molecule is X.");
  EXPECT_EQ(t.answer_of_target(Task::mol2cap, "The molecule is X.", "</s>"), "The molecule is X.");
  EXPECT_EQ(t.answer_of_output(Task::mol2cap, "Caption: The molecule is X.\n\nGenerate a caption"), "The molecule is X.");
  EXPECT_EQ(t.answer_of_output(Task::mol2cap, "  Caption:\n The molecule is Y. \n"), "The molecule is Y.");
  EXPECT_EQ(t.answer_of_output(Task::cap2mol, "Molecule: CCO"), "CCO");
  EXPECT_EQ(t.answer_of_output(Task::cap2mol, "CCO\nMore"), "CCO");  // no cue: the text itself
  EXPECT_EQ(t.answer_of_output(Task::cap2mol, ""), "");
}

TEST(PromptTemplate, FillKeepsUnknownBraces) {
  EXPECT_EQ(fill("{a} {b} {c", {{"a", "1"}, {"b", "{a}"}}), "1 {a} {c");
}

TEST(PromptTemplate, BadFilesNameTheField) {
  const std::string good = R"({"mol2cap": {"example": "{smiles} {caption}", "query": "{smiles}", "zero_shot": "{smiles}",
                                "target": "{caption}", "cue": "C:"},
                               "cap2mol": {"example": "{smiles} {caption}", "query": "{caption}", "zero_shot": "{caption}",
                                "target": "{smiles}", "cue": "M:"}})";
  EXPECT_NO_THROW(PromptTemplates::from_json(good, "t.json"));
  const auto message = [](const std::string& json) {
    try {
      PromptTemplates::from_json(json, "t.json");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  std::string no_placeholder = good;
  no_placeholder.replace(no_placeholder.find("\"query\": \"{caption}\""), 20, "\"query\": \"{smiles}\" ");
  EXPECT_EQ(message(no_placeholder), "t.json: field \"cap2mol.query\" has no {caption} placeholder");
  std::string no_cue = good;
  const std::string cue_field = ", \"cue\": \"C:\"";
  no_cue.replace(no_cue.find(cue_field), cue_field.size(), "");
  EXPECT_EQ(message(no_cue), "t.json: missing field \"mol2cap.cue\"");
  EXPECT_NE(message("{").find("not valid JSON"), std::string::npos);
  EXPECT_THROW(PromptTemplates::load("/does/not/exist.json"), InputError);
}

}  // namespace
}  // namespace icma::prompt
