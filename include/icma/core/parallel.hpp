#pragma once
// A minimal parallel loop over [0, count): the range is cut into contiguous
// chunks handed out dynamically to `threads` workers. Exceptions thrown by the
// body are re-thrown on the calling thread (the first one wins).

#include <cstddef>
#include <functional>

namespace icma {

// Number of hardware threads, at least 1.
unsigned hardware_threads();

// Calls body(begin, end) for chunks of at most `chunk` indices.
void parallel_for(std::size_t count, unsigned threads, std::size_t chunk,
                  const std::function<void(std::size_t begin, std::size_t end)>& body);

}  // namespace icma
