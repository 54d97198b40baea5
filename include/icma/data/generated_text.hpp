#pragma once
// The one rule for text a model generated before it reaches a file (a
// predictions TSV, OUT.partial): a model can emit any bytes its tokenizer
// decodes to, and one carriage return or NUL in a row used to make the final
// write refuse the whole run. Every writer of generated text goes through
// sanitise_generated_text (translate/, both icma-generate modes, and rows
// read back from OUT.partial, so an old partial file resumes too):
//
//   - each invalid UTF-8 byte becomes U+FFFD (the replacement character);
//   - control characters (U+0000-U+001F: NUL, tab, newline, carriage return
//     and the rest; U+007F; U+0080-U+009F) and the line and paragraph
//     separators U+2028 and U+2029 each become one space, as they would
//     split a TSV row (or a Python splitlines()) or corrupt it;
//   - spaces at both ends, and byte-order marks (U+FEFF) at the start, are
//     trimmed.
//
// Text without any of these (every normal caption and SMILES) is unchanged,
// and the rule is idempotent.

#include <string>
#include <string_view>

namespace icma::data {

std::string sanitise_generated_text(std::string_view text);

}  // namespace icma::data
