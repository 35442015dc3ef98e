// A state s (or object x) of any task: the task's own integer encoding
// (tasks/task.h documents each task's). Here, below the tasks, so that a
// trajectory can carry the states it visits (common/trajectory.h).
#ifndef LEDGFN_COMMON_STATE_H_
#define LEDGFN_COMMON_STATE_H_

#include <cstdint>
#include <vector>

namespace ledgfn {

using State = std::vector<int32_t>;

}  // namespace ledgfn

#endif  // LEDGFN_COMMON_STATE_H_
