// api::TaskPool (task_pool.hpp). Rank 0 keeps the queue and every outcome; the other ranks
// ask for work with a report of the task they finished:
//
//   worker -> 0  kReport: [u8 finished][u64 id][u8 failed][str result][u32 n]{u64 id, u32 kind, str
//   arg} 0 -> worker  kTask:   [u64 id][u32 kind][arg ...]      or  kStop: (empty)
//
// where str is [u64 size][bytes]. A worker asks again only after it finished, so at most one
// task per worker is in flight and the queue on rank 0 is the one place of pending work.
#include "rankflow/api/task_pool.hpp"

#include <cstring>
#include <exception>

#include "rankflow/comm/messages.hpp"
#include "rankflow/comm/phase.hpp"

namespace rankflow::api {
namespace {

constexpr int kReport = 1;
constexpr int kTask = 2;
constexpr int kStop = 3;

template <typename T>
void put(std::string& out, T value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof(T));
}

void put_text(std::string& out, const std::string& text) {
  put<std::uint64_t>(out, text.size());
  out += text;
}

class Reader {
 public:
  explicit Reader(const std::string& bytes) : bytes_(bytes) {}
  template <typename T>
  T get() {
    T value{};
    if (pos_ + sizeof(T) > bytes_.size()) throw DataError("api::TaskPool: a message is cut short");
    std::memcpy(&value, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return value;
  }
  std::string text() {
    const auto size = static_cast<std::size_t>(get<std::uint64_t>());
    if (pos_ + size > bytes_.size()) throw DataError("api::TaskPool: a message is cut short");
    std::string out = bytes_.substr(pos_, size);
    pos_ += size;
    return out;
  }
  std::string rest() { return bytes_.substr(pos_); }

 private:
  const std::string& bytes_;
  std::size_t pos_ = 0;
};

}  // namespace

TaskId TaskContext::submit_encoded(std::uint32_t kind, std::string arg) {
  const TaskId id = pool_->next_id();
  children_.push_back({id, kind, std::move(arg)});
  return id;
}

TaskPool::TaskPool(const comm::Communicator& comm) : comm_(comm.native()) {}

TaskId TaskPool::enqueue(TaskId id, std::uint32_t kind, std::string arg) {
  ++outstanding_;
  Queued task{id, kind, std::move(arg)};
  if (!parked_.empty()) {
    const int worker = parked_.back();
    parked_.pop_back();
    hand_out(worker, std::move(task));
  } else {
    queue_.push_back(std::move(task));
  }
  return id;
}

void TaskPool::hand_out(int worker, Queued task) {
  std::string message;
  put<std::uint64_t>(message, task.id);
  put<std::uint32_t>(message, task.kind);
  message += task.arg;
  comm::send_bytes(comm_, worker, kTask, message);
}

TaskPool::Outcome TaskPool::execute(const Queued& task, std::vector<TaskContext::Child>& children) {
  TaskContext ctx(this, comm_.rank());
  Outcome outcome;
  try {
    if (task.kind >= kinds_.size())
      throw DataError("unknown task kind {}: define the same kinds on every rank", task.kind);
    outcome.bytes = kinds_[task.kind](task.arg, ctx);
  } catch (const std::exception& error) {
    outcome.failed = true;
    outcome.bytes = "task failed on rank " + std::to_string(comm_.rank()) + ": " + error.what();
  } catch (...) {
    outcome.failed = true;
    outcome.bytes = "task failed on rank " + std::to_string(comm_.rank()) + ": unknown exception";
  }
  children = std::move(ctx.children_);
  return outcome;
}

void TaskPool::finish(TaskId id, Outcome outcome) {
  outcomes_[id] = std::move(outcome);
  completed_.push_back(id);
  --outstanding_;
}

void TaskPool::serve(int source, const std::string& report) {
  Reader reader(report);
  if (reader.get<std::uint8_t>() != 0) {
    const auto id = reader.get<std::uint64_t>();
    Outcome outcome;
    outcome.failed = reader.get<std::uint8_t>() != 0;
    outcome.bytes = reader.text();
    const auto children = reader.get<std::uint32_t>();
    for (std::uint32_t idx = 0; idx < children; ++idx) {
      const auto child = reader.get<std::uint64_t>();
      const auto kind = reader.get<std::uint32_t>();
      enqueue(child, kind, reader.text());
    }
    finish(id, std::move(outcome));
  }
  if (!queue_.empty()) {
    Queued task = std::move(queue_.front());
    queue_.pop_front();
    hand_out(source, std::move(task));
  } else if (stopping_) {
    comm::send_bytes(comm_, source, kStop, "");
    ++stopped_workers_;
  } else {
    parked_.push_back(source);
  }
}

bool TaskPool::serve_pending() {
  bool any = false;
  while (std::optional<comm::Message> message = comm::try_receive_bytes(comm_)) {
    serve(message->source, message->bytes);
    any = true;
  }
  return any;
}

bool TaskPool::step() {
  if (serve_pending()) return true;
  if (!queue_.empty()) {
    Queued task = std::move(queue_.front());
    queue_.pop_front();
    std::vector<TaskContext::Child> children;
    Outcome outcome = execute(task, children);
    for (TaskContext::Child& child : children) enqueue(child.id, child.kind, std::move(child.arg));
    finish(task.id, std::move(outcome));
    return true;
  }
  if (outstanding_ == 0) return false;
  const comm::Message message = comm::receive_bytes(comm_);  // a worker will report
  serve(message.source, message.bytes);
  return true;
}

const std::string& TaskPool::wait_for(TaskId id) {
  while (outcomes_.count(id) == 0)
    if (!step()) throw Error(ErrorKind::kConfig, "api::TaskPool: no task " + std::to_string(id));
  const Outcome& outcome = outcomes_.at(id);
  if (outcome.failed) throw DataError("{}", outcome.bytes);
  return outcome.bytes;
}

std::size_t TaskPool::wait_any_id(const std::vector<TaskId>& ids) {
  if (ids.empty()) throw Error(ErrorKind::kConfig, "api::TaskPool::wait_any: no futures");
  while (true) {
    for (std::size_t idx = 0; idx < ids.size(); ++idx)
      if (outcomes_.count(ids[idx]) != 0) return idx;
    if (!step()) throw Error(ErrorKind::kConfig, "api::TaskPool::wait_any: unknown futures");
  }
}

std::optional<TaskId> TaskPool::next_completed() {
  while (completed_.empty())
    if (!step()) return std::nullopt;
  const TaskId id = completed_.front();
  completed_.pop_front();
  return id;
}

void TaskPool::serve_tasks() {
  std::string report(1, '\0');
  while (true) {
    comm::send_bytes(comm_, 0, kReport, report);
    const comm::Message message = comm::receive_bytes(comm_, 0);
    if (message.tag == kStop) return;
    Reader reader(message.bytes);
    Queued task;
    task.id = reader.get<std::uint64_t>();
    task.kind = reader.get<std::uint32_t>();
    task.arg = reader.rest();
    std::vector<TaskContext::Child> children;
    const Outcome outcome = execute(task, children);
    report.assign(1, '\1');
    put<std::uint64_t>(report, task.id);
    put<std::uint8_t>(report, outcome.failed ? 1 : 0);
    put_text(report, outcome.bytes);
    put<std::uint32_t>(report, static_cast<std::uint32_t>(children.size()));
    for (const TaskContext::Child& child : children) {
      put<std::uint64_t>(report, child.id);
      put<std::uint32_t>(report, child.kind);
      put_text(report, child.arg);
    }
  }
}

void TaskPool::stop_workers() {
  while (outstanding_ > 0) step();
  stopping_ = true;
  for (const int worker : parked_) {
    comm::send_bytes(comm_, worker, kStop, "");
    ++stopped_workers_;
  }
  parked_.clear();
  while (stopped_workers_ < comm_.size() - 1) {
    const comm::Message message = comm::receive_bytes(comm_);
    serve(message.source, message.bytes);
  }
}

void TaskPool::run(const std::function<void(TaskPool&)>& driver) {
  // A fresh start, also after a run that ended in an agreed error.
  outcomes_.clear();
  completed_.clear();
  queue_.clear();
  parked_.clear();
  outstanding_ = 0;
  stopping_ = false;
  stopped_workers_ = 0;
  comm::Failure failure;
  if (comm_.rank() == 0) {
    try {
      driver(*this);
    } catch (...) {
      failure = comm::current_exception_as_error();
    }
    try {
      stop_workers();
    } catch (...) {
      if (!failure) failure = comm::current_exception_as_error();
    }
  } else {
    try {
      serve_tasks();
    } catch (...) {
      failure = comm::current_exception_as_error();
    }
  }
  comm::agree(comm_, "api::TaskPool", failure);
}

}  // namespace rankflow::api
