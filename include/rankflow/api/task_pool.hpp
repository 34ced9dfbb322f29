// api::TaskPool: tasks submitted one by one, returning futures (Dask's client.submit,
// multiprocessing's apply_async), run by whichever rank is free; a running task may submit
// more tasks (the seeds' nested loops: `if a > b: f(a, b) else g(a, b)`).
//
//   api::TaskPool pool(comm);                                       // collective
//   auto f = pool.define<Pair>([](const Pair& p, api::TaskContext&) { return p.a * p.b; });
//   auto outer = pool.define<int>([&](const int& a, api::TaskContext& ctx) {
//     std::vector<api::Future<double>> inner;
//     for (int b = 0; b < 10; ++b) inner.push_back(ctx.submit(f, Pair{a, b}));
//     return inner;                      // futures are ids: a task can hand them back
//   });
//   pool.run([&](api::TaskPool& client) {                           // collective; rank 0 drives
//     std::vector<api::Future<std::vector<api::Future<double>>>> outers;
//     for (int a = 0; a < 4; ++a) outers.push_back(client.submit(outer, a));
//     for (auto& o : outers) for (auto inner : client.get(o)) total += client.get(inner);
//   });
//
// Tasks are SPMD: every rank defines the same kinds in the same order (define returns the
// kind's handle), so a task travels as (kind, argument bytes) and runs on any rank. Arguments
// and results go through api::Codec. The driver runs on rank 0 only; every other rank serves
// tasks until it returns. Rank 0 runs tasks too, whenever the driver waits (get, wait_any,
// next_completed) and tasks are queued; meanwhile it hands out work between its own tasks.
// A task may submit more tasks (TaskContext::submit, queued when the task ends) but not wait
// for them: the driver does. A task that throws makes its future fail: get() throws an Error
// naming the task's rank and message; the pool goes on. When the driver returns, run() waits
// for every task still queued or running, then stops the workers; an exception from the
// driver becomes the same Error on every rank.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "rankflow/api/codec.hpp"
#include "rankflow/comm/communicator.hpp"

namespace rankflow::api {

using TaskId = std::uint64_t;

// A handle on a task's result: an id, so it can travel inside another task's result.
template <typename R>
struct Future {
  TaskId id = 0;
};

template <typename Arg, typename R>
struct TaskKind {
  std::uint32_t id = 0;
};

class TaskPool;

// What a running task may do besides computing: submit more tasks.
class TaskContext {
 public:
  template <typename Arg, typename R>
  Future<R> submit(TaskKind<Arg, R> kind, const Arg& arg) {
    std::string bytes;
    Codec<Arg>::encode(arg, bytes);
    return Future<R>{submit_encoded(kind.id, std::move(bytes))};
  }
  int rank() const noexcept { return rank_; }

 private:
  friend class TaskPool;
  struct Child {
    TaskId id;
    std::uint32_t kind;
    std::string arg;
  };
  TaskContext(TaskPool* pool, int rank) : pool_(pool), rank_(rank) {}
  TaskId submit_encoded(std::uint32_t kind, std::string arg);
  TaskPool* pool_;
  int rank_;
  std::vector<Child> children_;
};

class TaskPool {
 public:
  // Collective over `comm` (the pool's messages go over a duplicate of it).
  explicit TaskPool(const comm::Communicator& comm);

  // Every rank, the same kinds in the same order, before run(). `fn(const Arg&, TaskContext&)`
  // returns the task's result.
  template <typename Arg, typename Fn>
  auto define(Fn fn)
      -> TaskKind<Arg, std::decay_t<std::invoke_result_t<Fn&, const Arg&, TaskContext&>>> {
    using R = std::decay_t<std::invoke_result_t<Fn&, const Arg&, TaskContext&>>;
    kinds_.push_back([fn](std::string_view arg, TaskContext& ctx) mutable {
      std::string out;
      Codec<R>::encode(fn(Codec<Arg>::decode(arg), ctx), out);
      return out;
    });
    return TaskKind<Arg, R>{static_cast<std::uint32_t>(kinds_.size() - 1)};
  }

  // Collective: rank 0 runs `driver(*this)`, the other ranks run tasks until it returns.
  void run(const std::function<void(TaskPool&)>& driver);

  // --- in the driver (rank 0) ---
  template <typename Arg, typename R>
  Future<R> submit(TaskKind<Arg, R> kind, const Arg& arg) {
    std::string bytes;
    Codec<Arg>::encode(arg, bytes);
    return Future<R>{enqueue(next_id(), kind.id, std::move(bytes))};
  }
  // Waits for the task (running tasks meanwhile); throws Error if it failed.
  template <typename R>
  R get(Future<R> future) {
    return Codec<R>::decode(wait_for(future.id));
  }
  template <typename R>
  bool ready(Future<R> future) {
    serve_pending();
    return outcomes_.count(future.id) != 0;
  }
  // The index of a done future among `futures` (the first in list order once any is done).
  template <typename R>
  std::size_t wait_any(const std::vector<Future<R>>& futures) {
    std::vector<TaskId> ids;
    for (const Future<R>& future : futures) ids.push_back(future.id);
    return wait_any_id(ids);
  }
  // As completed: the next task (of all, nested ones too) that ended and was not returned
  // before, or nullopt when no task is left queued or running.
  std::optional<TaskId> next_completed();
  // The result of a task returned by next_completed, decoded as R.
  template <typename R>
  R result(TaskId id) {
    return Codec<R>::decode(wait_for(id));
  }

 private:
  friend class TaskContext;
  struct Outcome {
    bool failed = false;
    std::string bytes;  // the result, or the error message
  };
  struct Queued {
    TaskId id;
    std::uint32_t kind;
    std::string arg;
  };

  TaskId next_id() { return (static_cast<TaskId>(comm_.rank()) << 40) | ++sequence_; }
  TaskId enqueue(TaskId id, std::uint32_t kind, std::string arg);
  const std::string& wait_for(TaskId id);
  std::size_t wait_any_id(const std::vector<TaskId>& ids);
  // Rank 0: handles every message that has arrived; true if any did.
  bool serve_pending();
  void serve(int source, const std::string& report);
  // Rank 0: runs one queued task itself, or waits for a message; false when nothing can
  // change any more (no task queued or running).
  bool step();
  void hand_out(int worker, Queued task);
  Outcome execute(const Queued& task, std::vector<TaskContext::Child>& children);
  void finish(TaskId id, Outcome outcome);
  void serve_tasks();  // ranks other than 0
  void stop_workers();

  comm::Communicator comm_;
  std::vector<std::function<std::string(std::string_view, TaskContext&)>> kinds_;
  TaskId sequence_ = 0;
  std::deque<Queued> queue_;
  std::vector<int> parked_;  // workers waiting for a task
  std::map<TaskId, Outcome> outcomes_;
  std::deque<TaskId> completed_;   // for next_completed
  std::uint64_t outstanding_ = 0;  // queued or running
  bool stopping_ = false;
  int stopped_workers_ = 0;
};

}  // namespace rankflow::api
