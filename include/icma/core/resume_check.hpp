#pragma once
// What a resumed run must share with the run it continues. A resumable
// command (icma-train, icma-generate) records, when it starts, every setting
// that shapes its result and the identity (SHA-256) of every input file that
// does; --resume compares them with the new run's, so that an adapter or a
// predictions file is never made of two different runs. A mismatch is an
// error naming the first setting that differs and both values.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace icma {

// {name: SHA-256} of each of `names` that exists in the directory `path`, or
// {file name: SHA-256} of `path` itself when it is a file. Throws InputError
// when a file cannot be read.
nlohmann::json file_identities(const std::string& path, const std::vector<std::string>& names);

// Throws InputError(source, 0, ...) when `current` differs from `recorded`:
// "the setting lora.alpha differs: the earlier run used 16, this one 32; "
// followed by `remedy` ("--restart starts over"). Objects are compared key by
// key (the message names the path to the first difference); other values,
// long ones shortened in the message, as wholes.
void require_same_settings(const nlohmann::json& recorded, const nlohmann::json& current, const std::string& source,
                           const std::string& remedy);

}  // namespace icma
