#include "colour_refinement.hpp"

#include <algorithm>
#include <string>

#include "icma/core/error.hpp"
#include "icma/gnn/graph_batch.hpp"

namespace icma::gnn::detail {
namespace {

std::uint64_t mix(std::uint64_t x) {  // SplitMix64's finaliser
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Distinct keys (sequences of 64-bit words) -> dense ids, in order of first
// appearance. Open addressing over hashes; keys compared in full, so a hash
// collision never merges two colours.
class KeyTable {
 public:
  explicit KeyTable(std::size_t expected) {
    std::size_t size = 16;
    while (size < 2 * expected) size *= 2;
    slots_.assign(size, -1);
  }

  // The id of key[0..length), inserted if new (then *inserted = true).
  std::int32_t find_or_insert(const std::uint64_t* key, std::size_t length, bool* inserted) {
    std::uint64_t hash = mix(length);
    for (std::size_t i = 0; i < length; ++i) hash = mix(hash ^ key[i]);
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t slot = hash & mask;; slot = (slot + 1) & mask) {
      const std::int32_t id = slots_[slot];
      if (id < 0) {
        const auto new_id = static_cast<std::int32_t>(begin_.size());
        slots_[slot] = new_id;
        begin_.push_back(arena_.size());
        length_.push_back(length);
        hash_.push_back(hash);
        arena_.insert(arena_.end(), key, key + length);
        *inserted = true;
        return new_id;
      }
      if (hash_[id] == hash && length_[id] == length &&
          std::equal(key, key + length, arena_.begin() + static_cast<std::ptrdiff_t>(begin_[id]))) {
        *inserted = false;
        return id;
      }
    }
  }

 private:
  std::vector<std::int32_t> slots_;
  std::vector<std::size_t> begin_, length_;
  std::vector<std::uint64_t> hash_;
  std::vector<std::uint64_t> arena_;
};

}  // namespace

BatchTopology make_topology(const std::vector<const chem::MolGraph*>& graphs) {
  BatchTopology topology;
  std::size_t nodes = 0, edges = 0;
  for (std::size_t g = 0; g < graphs.size(); ++g) {
    if (graphs[g]->num_atoms() == 0) throw InputError("graph " + std::to_string(g) + " of the batch has no atoms");
    nodes += graphs[g]->num_atoms();
    edges += graphs[g]->num_edges();
  }
  topology.atom_code.reserve(nodes);
  topology.graph_of_node.reserve(nodes);
  topology.in_begin.assign(nodes + 1, 0);
  topology.in_source.resize(edges);
  topology.in_code.resize(edges);
  topology.nodes_in_graph.reserve(graphs.size());
  // Count incoming edges per node, then place them (a stable counting sort,
  // so each node's edges stay in edge order).
  std::size_t offset = 0;
  for (std::size_t g = 0; g < graphs.size(); ++g) {
    const chem::MolGraph& graph = *graphs[g];
    for (std::size_t a = 0; a < graph.num_atoms(); ++a) {
      topology.atom_code.push_back(static_cast<std::int32_t>(graph.atom_type[a] * 3 + model_chirality(graph.chirality[a])));
      topology.graph_of_node.push_back(static_cast<std::int32_t>(g));
    }
    for (std::size_t e = 0; e < graph.num_edges(); ++e) ++topology.in_begin[offset + graph.edge_dst[e] + 1];
    topology.nodes_in_graph.push_back(static_cast<std::int32_t>(graph.num_atoms()));
    offset += graph.num_atoms();
  }
  for (std::size_t n = 0; n < nodes; ++n) topology.in_begin[n + 1] += topology.in_begin[n];
  std::vector<std::int32_t> fill(topology.in_begin.begin(), topology.in_begin.end() - 1);
  offset = 0;
  for (const chem::MolGraph* graph : graphs) {
    for (std::size_t e = 0; e < graph->num_edges(); ++e) {
      const std::size_t target = offset + static_cast<std::size_t>(graph->edge_dst[e]);
      const std::int32_t at = fill[target]++;
      topology.in_source[at] = static_cast<std::int32_t>(offset + static_cast<std::size_t>(graph->edge_src[e]));
      topology.in_code[at] = static_cast<std::uint8_t>(graph->bond_type[e] * 3 + graph->bond_dir[e]);
    }
    offset += graph->num_atoms();
  }
  return topology;
}

Colouring initial_colouring(const BatchTopology& topology) {
  Colouring colouring;
  colouring.colour.resize(topology.nodes());
  std::vector<std::int32_t> id_of_code;
  for (std::size_t n = 0; n < topology.nodes(); ++n) {
    const auto code = static_cast<std::size_t>(topology.atom_code[n]);
    if (code >= id_of_code.size()) id_of_code.resize(code + 1, -1);
    if (id_of_code[code] < 0) {
      id_of_code[code] = static_cast<std::int32_t>(colouring.representative.size());
      colouring.representative.push_back(static_cast<std::int32_t>(n));
    }
    colouring.colour[n] = id_of_code[code];
  }
  return colouring;
}

Colouring refine(const BatchTopology& topology, const Colouring& previous) {
  Colouring next;
  const std::size_t nodes = topology.nodes();
  next.colour.resize(nodes);
  KeyTable table(nodes);
  std::vector<std::uint64_t> key;
  for (std::size_t n = 0; n < nodes; ++n) {
    key.clear();
    key.push_back(static_cast<std::uint64_t>(previous.colour[n]));
    const std::size_t first = key.size();
    for (std::int32_t e = topology.in_begin[n]; e < topology.in_begin[n + 1]; ++e) {
      key.push_back(static_cast<std::uint64_t>(topology.in_code[e]) << 32 |
                    static_cast<std::uint32_t>(previous.colour[topology.in_source[e]]));
    }
    std::sort(key.begin() + static_cast<std::ptrdiff_t>(first), key.end());  // a multiset
    bool inserted = false;
    const std::int32_t id = table.find_or_insert(key.data(), key.size(), &inserted);
    if (inserted) next.representative.push_back(static_cast<std::int32_t>(n));
    next.colour[n] = id;
  }
  return next;
}

}  // namespace icma::gnn::detail
