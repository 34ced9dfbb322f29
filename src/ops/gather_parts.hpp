// The parts an operator's produce() emits (one table in memory, or one per partition through
// scratch), as one table: the first part moved, the others appended. Private to ops/.
#pragma once

#include <utility>

#include "rankflow/table/table.hpp"

namespace rankflow::ops {

// `produce(emit)` calls emit(table::Table&) once per part; `all` is the result when no part
// comes (the empty table with the output's schema).
template <typename Produce>
table::Table gather_parts(table::Table all, Produce&& produce) {
  bool first = true;
  produce([&](table::Table& part) {
    if (first)
      all = std::move(part);
    else
      all.append_rows(part, 0, part.num_rows());
    first = false;
    return true;
  });
  return all;
}

}  // namespace rankflow::ops
