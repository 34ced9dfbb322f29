#include "rankflow/job/array_job.hpp"

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>

#include "rankflow/core/text.hpp"
#include "config/array_config.hpp"
#include "array_output.hpp"
#include "config/job_report.hpp"
#include "config/output_guard.hpp"
#include "rankflow/comm/failure_latch.hpp"
#include "rankflow/comm/phase.hpp"
#include "rankflow/core/buffer.hpp"
#include "rankflow/core/log.hpp"
#include "rankflow/exec/pipeline.hpp"
#include "rankflow/exec/stages.hpp"
#include "rankflow/io/hdf5/array_reader.hpp"
#include "rankflow/io/hdf5/array_writer.hpp"
#include "rankflow/io/ordered_text.hpp"
#include "rankflow/io/output_file.hpp"
#include "rankflow/job/provenance.hpp"

namespace rankflow::job {
namespace {

using Attributes = std::vector<std::pair<std::string, std::string>>;
constexpr std::size_t kTableRows = 50;  // rows printed on stdout at most

template <typename Body>
void collective_phase(const comm::Communicator& comm, const std::string& phase, Body&& body) {
  comm::run_collective_phase(comm, phase, std::forward<Body>(body));
}

struct OutputFile {
  std::string path;
  bool hdf5 = false;
  std::unique_ptr<io::AtomicOutput> atomic;
  std::optional<io::hdf5::ParallelFile> file;
};

// Every file the job writes, prepared before any data is read, committed together at the end.
class Outputs {
 public:
  explicit Outputs(const comm::Communicator& comm) : comm_(&comm) {}

  // Collective: the output at `path`, prepared (temporary name, HDF5 file created) once.
  OutputFile& prepare(const std::string& path, bool hdf5) {
    for (auto& entry : files_)
      if (entry->path == path) return *entry;
    auto entry = std::make_unique<OutputFile>();
    entry->path = path;
    entry->hdf5 = hdf5;
    entry->atomic = std::make_unique<io::AtomicOutput>(
        *comm_, path, hdf5 ? io::AtomicOutput::Target::kRegularFile : io::AtomicOutput::Target::kAnyFile);
    if (hdf5)
      collective_phase(*comm_, "creating the output", [&] {
        entry->file.emplace(
            io::hdf5::ParallelFile::create(*comm_, entry->atomic->temp_path(), path));
      });
    files_.push_back(std::move(entry));
    return *files_.back();
  }

  OutputFile& get(const std::string& path) {
    for (auto& entry : files_)
      if (entry->path == path) return *entry;
    throw DataError("internal: output '{}' was not prepared", path);
  }

  // Collective: provenance on every HDF5 file's root, close, then rename everything.
  void commit(const Provenance& provenance) {
    collective_phase(*comm_, "closing the output", [&] {
      for (auto& entry : files_) {
        if (!entry->file) continue;
        for (const auto& [name, value] : provenance.pairs())
          entry->file->set_attribute("/", name, value);
        entry->file->close();
      }
    });
    for (auto& entry : files_) entry->atomic->commit();
  }

  std::vector<std::string> paths() const {
    std::vector<std::string> out;
    for (const auto& entry : files_) out.push_back(entry->path);
    return out;
  }

 private:
  const comm::Communicator* comm_;
  std::vector<std::unique_ptr<OutputFile>> files_;
};

struct Context {
  const comm::Communicator& comm;
  const RawConfig& config;
  const ArrayJobConfig& job;
  const Provenance& provenance;
  io::hdf5::ArrayReader& reader;
  Outputs& outputs;
  exec::TaskStage::Tick tick = [] {};  // after each block: progress
};

// Collective: reserves the bytes of `values` values of 8 bytes (every output dataset holds
// int64, uint64 or float64) plus HDF5's metadata in the HDF5 output `out`, so that a full disk
// is one agreed error before anything is written (ParallelFile::reserve).
void reserve_output(OutputFile& out, std::uint64_t values) {
  out.file->reserve(values * 8 + io::hdf5::ParallelFile::kMetadataMargin,
                    "writing '" + out.path + "'");
}

DType value_dtype(array::ValueType type) {
  switch (type) {
    case array::ValueType::kInt64:
      return DType::kInt64;
    case array::ValueType::kUInt64:
      return DType::kUInt64;
    case array::ValueType::kFloat64:
      break;
  }
  return DType::kFloat64;
}

std::string axis_text(std::optional<int> axis) { return axis ? std::to_string(*axis) : "all"; }

std::string nan_text(array::NanPolicy nan) {
  return nan == array::NanPolicy::kSkip ? "skip" : "propagate";
}

void set_attributes(io::hdf5::ParallelFile& file, const std::string& object,
                    const Provenance& provenance, const Attributes& own) {
  for (const auto& [name, value] : provenance.pairs()) file.set_attribute(object, name, value);
  for (const auto& [name, value] : own) file.set_attribute(object, name, value);
}

Attributes reduce_attributes(const Context& ctx, array::ReduceFunction function) {
  const array::ReduceOptions& reduce = *ctx.job.reduce;
  return {{"function", std::string(array::reduce_function_name(function))},
          {"input_path", ctx.job.input.path},
          {"input_dataset", ctx.reader.info().name},
          {"input_shape", ctx.reader.info().shape_text()},
          {"axis", axis_text(reduce.axis)},
          {"ddof", std::to_string(reduce.ddof)},
          {"nan", nan_text(reduce.nan)}};
}

bool show_table(TableMode mode, std::uint64_t rows) {
  return mode == TableMode::kOn || (mode == TableMode::kAuto && rows <= kTableRows);
}

std::uint64_t cell_count(const std::vector<std::uint64_t>& shape) {
  std::uint64_t cells = 1;
  for (std::uint64_t dim : shape) cells *= dim;
  return cells;
}

std::string describe_input(const io::hdf5::ArrayReader& reader, const std::string& path) {
  const io::hdf5::DatasetInfo& info = reader.info();
  return fmt::format("{} {} {} in '{}'", info.name, info.shape_text(), dtype_name(reader.dtype()),
                     path);
}

// Reads every block once; returns the merged results (on rank 0) after agreement.
array::ReduceResult reduce_accumulating(Context& ctx, array::ArrayReduction& reduction) {
  comm::FailureLatch latch(ctx.comm, "reducing");
  io::hdf5::ArrayBlock block;
  while (ctx.reader.next(block)) {
    latch.run([&] { reduction.consume(block.data, block.rows); });
    ctx.tick();
  }
  array::ReduceResult result;
  latch.run_always([&] { result = reduction.finish(ctx.comm, 0); });
  latch.agree();
  return result;
}

void write_accumulated(Context& ctx, const array::ArrayReduction& reduction,
                       const array::ReduceResult& result) {
  OutputFile& out = ctx.outputs.get(ctx.job.output.path);
  const bool root = ctx.comm.rank() == 0;
  const std::vector<std::uint64_t>& shape = reduction.output_shape();
  const std::uint64_t rows = shape.empty() ? 1 : shape[0];
  const DType input = ctx.reader.dtype();
  if (out.hdf5) reserve_output(out, cell_count(shape) * ctx.job.reduce->functions.size());
  collective_phase(ctx.comm, "writing the output", [&] {
    if (out.hdf5) {
      for (std::size_t idx = 0; idx < ctx.job.reduce->functions.size(); ++idx) {
        const array::ReduceFunction function = ctx.job.reduce->functions[idx];
        io::hdf5::ArrayWriter writer(*out.file, output_dataset(ctx.job.output, function), shape,
                                     value_dtype(array::result_type(function, input)));
        writer.write(0, root ? rows : 0, root ? result.columns[idx].data() : nullptr);
        writer.close();
        Attributes own = reduce_attributes(ctx, function);
        own.emplace_back("nan_count", std::to_string(root ? result.nan_count : 0));
        set_attributes(*out.file, writer.name(), ctx.provenance, own);
      }
    } else if (root) {
      const auto axis = ctx.job.reduce->axis
                            ? array::normalize_axis(*ctx.job.reduce->axis, ctx.reader.info().rank())
                            : std::nullopt;
      const auto kept = kept_axes(ctx.reader.info().rank(), axis);
      std::string text = csv_line(result_columns(kept, ctx.job.reduce->functions));
      append_csv(text, result, 0);
      std::FILE* file = std::fopen(out.atomic->temp_path().c_str(), "wb");
      if (file == nullptr) throw DataError("cannot write '{}'", out.path);
      const bool written = std::fwrite(text.data(), 1, text.size(), file) == text.size();
      if (std::fclose(file) != 0 || !written) throw DataError("cannot write '{}'", out.path);
    }
  });
}

void print_table(const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows, std::uint64_t total) {
  const std::string text = format_table(header, rows, total);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

void run_accumulating(Context& ctx, array::ArrayReduction& reduction) {
  const array::ReduceResult result = reduce_accumulating(ctx, reduction);
  write_accumulated(ctx, reduction, result);
  if (ctx.comm.rank() != 0) return;
  if (result.nan_count > 0)
    log::info("{} NaN value{} {}", result.nan_count, result.nan_count == 1 ? "" : "s",
              ctx.job.reduce->nan == array::NanPolicy::kSkip ? "skipped" : "propagated");
  const std::uint64_t total = result.cells();
  if (!show_table(ctx.job.output.table, total)) return;
  const auto axis = ctx.job.reduce->axis
                        ? array::normalize_axis(*ctx.job.reduce->axis, ctx.reader.info().rank())
                        : std::nullopt;
  print_table(result_columns(kept_axes(ctx.reader.info().rank(), axis), ctx.job.reduce->functions),
              result_rows(result, 0, kTableRows), total);
}

// Rows this rank shows in the stdout table: its first result rows, as CSV lines.
struct Preview {
  std::string lines;
  std::size_t rows = 0;
  void add(const array::ReduceResult& part) {
    if (rows >= kTableRows) return;
    for (const auto& row : result_rows(part, part.first_cell, kTableRows - rows)) {
      lines += csv_line(row);
      ++rows;
    }
  }
};

// Collective: rank 0 prints the first rows over all ranks (each rank sent at most kTableRows).
void print_preview(Context& ctx, const Preview& preview, const std::vector<std::string>& header,
                   std::uint64_t total) {
  const std::vector<std::string> parts = ctx.comm.allgather_strings(preview.lines);
  if (ctx.comm.rank() != 0) return;
  std::vector<std::vector<std::string>> rows;
  for (const std::string& part : parts) {
    std::size_t start = 0;
    while (start < part.size() && rows.size() < kTableRows) {
      const std::size_t end = part.find('\n', start);
      rows.push_back(split_list(part.substr(start, end - start)));
      start = end + 1;
    }
  }
  print_table(header, rows, total);
}

void run_row_local(Context& ctx, array::ArrayReduction& reduction) {
  const bool hdf5 = ctx.job.output.format == OutputFormat::kHdf5;
  OutputFile& out = ctx.outputs.get(ctx.job.output.path);
  const std::vector<array::ReduceFunction>& functions = ctx.job.reduce->functions;
  const auto axis = array::normalize_axis(*ctx.job.reduce->axis, ctx.reader.info().rank());
  const std::vector<std::string> header =
      result_columns(kept_axes(ctx.reader.info().rank(), axis), functions);
  std::vector<io::hdf5::ArrayWriter> writers;
  std::optional<io::OrderedTextOutput> text;
  if (hdf5) {
    collective_phase(ctx.comm, "preparing the output", [&] {
      io::hdf5::WriterOptions layout;
      layout.collective = ctx.job.output.collective_writes;
      for (array::ReduceFunction function : functions)
        writers.emplace_back(*out.file, output_dataset(ctx.job.output, function),
                             reduction.output_shape(),
                             value_dtype(array::result_type(function, ctx.reader.dtype())), layout);
    });
    reserve_output(out, cell_count(reduction.output_shape()) * functions.size());
  } else {
    text.emplace(ctx.comm, out.atomic->temp_path(), csv_line(header));
  }
  comm::FailureLatch latch(ctx.comm, "reducing");
  io::hdf5::ArrayBlock block;
  array::ReduceResult part;
  Preview preview;
  std::uint64_t nan_count = 0;
  while (ctx.reader.next(block)) {
    bool have = false;
    latch.run([&] {
      if (block.rows == 0) return;
      reduction.reduce_rows(block.data, block.first_row, block.rows, part);
      have = true;
      nan_count += part.nan_count;
      preview.add(part);
      if (text) {
        append_csv(text->buffer(), part, part.first_cell);
        text->spill_if_full();
      }
    });
    // Every rank, every step (collective writes), also after an error (a full disk): latched.
    for (std::size_t idx = 0; idx < writers.size(); ++idx)
      latch.run_always([&] {
        writers[idx].write(have ? part.first_row : 0, have ? part.rows : 0,
                           have ? part.columns[idx].data() : nullptr);
      });
    ctx.tick();
  }
  latch.agree();
  nan_count = ctx.comm.allreduce(nan_count, comm::ReduceOp::kSum);
  if (text) {
    text->finish();
  } else {
    collective_phase(ctx.comm, "writing the output", [&] {
      for (std::size_t idx = 0; idx < writers.size(); ++idx) {
        writers[idx].close();
        Attributes own = reduce_attributes(ctx, functions[idx]);
        own.emplace_back("nan_count", std::to_string(nan_count));
        set_attributes(*out.file, writers[idx].name(), ctx.provenance, own);
      }
    });
  }
  if (nan_count > 0)
    log::info("{} NaN value{} {}", nan_count, nan_count == 1 ? "" : "s",
              nan_text(ctx.job.reduce->nan) == "skip" ? "skipped" : "propagated");
  const std::uint64_t total = cell_count(reduction.output_shape());
  if (show_table(ctx.job.output.table, total)) print_preview(ctx, preview, header, total);
}

void run_reduce(Context& ctx) {
  const io::hdf5::DatasetInfo& info = ctx.reader.info();
  array::ArrayReduction reduction(info.dims, ctx.reader.dtype(), *ctx.job.reduce, info.name);
  if (reduction.row_local())
    run_row_local(ctx, reduction);
  else
    run_accumulating(ctx, reduction);
}

void run_center(Context& ctx) {
  const CenterConfig& center = *ctx.job.center;
  const io::hdf5::DatasetInfo& info = ctx.reader.info();
  OutputFile& out = ctx.outputs.get(center.path);
  array::ArrayCentering centering(info.dims, ctx.reader.dtype(), center.options, info.name);
  std::optional<io::hdf5::ArrayWriter> writer;
  collective_phase(ctx.comm, "preparing the output", [&] {
    io::hdf5::WriterOptions layout;
    layout.collective = ctx.job.output.collective_writes;
    writer.emplace(*out.file, center.dataset, info.dims, DType::kFloat64, layout);
  });
  reserve_output(out, cell_count(info.dims));
  log::debug("writing {} of '{}' with {} MPI-IO writes", center.dataset, center.path,
             ctx.job.output.collective_writes ? "collective" : "independent");
  ByteBuffer buffer(
      std::max<std::uint64_t>(64, ctx.reader.block_rows() * info.row_elements() * sizeof(double)));
  comm::FailureLatch latch(ctx.comm, "centering");
  io::hdf5::ArrayBlock block;
  if (centering.needs_statistics_pass()) {
    ctx.reader.restart();
    while (ctx.reader.next(block)) {
      latch.run([&] { centering.consume(block.data, block.rows); });
      ctx.tick();
    }
    latch.run_always([&] { centering.finish_statistics(ctx.comm); });
    latch.agree();
  }
  ctx.reader.restart();
  while (ctx.reader.next(block)) {
    bool done = false;
    latch.run([&] {
      centering.transform(block.data, block.rows, buffer.as<double>());
      done = true;
    });
    // Every rank, every step (collective writes), also after an error (a full disk): latched.
    latch.run_always([&] { writer->write(block.first_row, done ? block.rows : 0, buffer.data()); });
    ctx.tick();
  }
  latch.agree();
  collective_phase(ctx.comm, "writing the output", [&] {
    writer->close();
    set_attributes(*out.file, writer->name(), ctx.provenance,
                   {{"kind", std::string(array::center_kind_name(center.options.kind))},
                    {"input_path", ctx.job.input.path},
                    {"input_dataset", info.name},
                    {"axis", axis_text(center.options.axis)},
                    {"ddof", std::to_string(center.options.ddof)},
                    {"nan", nan_text(center.options.nan)}});
  });
}

// The array job's stages: a reduction and a centering each read the dataset in collective
// steps of their own (comm::FailureLatch), so each is one task stage of the pipeline.
void add_array_stages(exec::Pipeline& pipeline, Context& ctx) {
  const io::hdf5::DatasetInfo& info = ctx.reader.info();
  const std::uint64_t row_bytes = info.row_elements() * dtype_size(ctx.reader.dtype());
  const std::uint64_t bytes = info.rows() * row_bytes;
  // What a stage read: the reader's bytes since the stage before (shared by both stages).
  auto account = [&ctx, row_bytes, before = std::make_shared<std::uint64_t>(0)](
                     exec::StageStats& stats) {
    stats.bytes_read = ctx.reader.bytes_read() - *before;
    stats.rows_in = row_bytes == 0 ? 0 : stats.bytes_read / row_bytes;
    *before = ctx.reader.bytes_read();
  };
  // Progress of a stage that reads the dataset `passes` times, from the reader's bytes when
  // it started (bytes_read() counts this rank's bytes; the total is the whole dataset's).
  auto progress = [&ctx, bytes](std::uint64_t passes) {
    return [&ctx, bytes, passes, start = std::make_shared<std::uint64_t>(~std::uint64_t{0})] {
      if (*start == ~std::uint64_t{0}) *start = ctx.reader.bytes_read();
      return exec::Progress{ctx.reader.bytes_read() - *start, bytes * passes};
    };
  };
  auto with_tick = [&ctx](void (*run)(Context&)) {
    return [&ctx, run](const exec::TaskStage::Tick& tick) {
      ctx.tick = tick;
      run(ctx);
      ctx.tick = [] {};
    };
  };
  const std::string input = describe_input(ctx.reader, ctx.job.input.path);
  if (ctx.job.reduce)
    pipeline.add(std::make_unique<exec::TaskStage>(
        "reduce", "reducing", with_tick(run_reduce),
        fmt::format("reduce {} over axis {}, then write {}", input,
                    axis_text(ctx.job.reduce->axis), ctx.job.output.path),
        progress(1), account));
  if (ctx.job.center)
    pipeline.add(std::make_unique<exec::TaskStage>(
        "center", "centering", with_tick(run_center),
        fmt::format("{} {} over axis {} into {} of {}",
                    array::center_kind_name(ctx.job.center->options.kind), input,
                    axis_text(ctx.job.center->options.axis), ctx.job.center->dataset,
                    ctx.job.center->path),
        progress(2), account));
}

// Rank 0 checks what needs the input's metadata (file, dataset, type, axes) before any rank
// opens it for reading, and every rank throws rank 0's error: a config mistake reads as one
// (with its key), not as "rank 0 of 64 failed".
void check_input(const comm::Communicator& comm, const RawConfig& config,
                 const ArrayJobConfig& job) {
  comm::Failure failure;
  if (comm.rank() == 0) {
    try {
      io::hdf5::DatasetInfo info;
      try {
        info = io::hdf5::read_dataset_info(job.input.path, job.input.dataset);
      } catch (const Error& error) {  // names the config and the section
        throw Error(error.kind(), config.source() + " [input]: " + error.what());
      }
      if (!info.dtype)
        throw DataError(
            "{}: dataset {} in '{}' has type {}; array jobs read int8..int64, "
            "uint8..uint64, float32 and float64",
            config.source(), info.name, job.input.path, info.type);
      if (info.dims.empty())
        throw DataError("{}: dataset {} in '{}' is a scalar; array jobs need at least one axis",
                        config.source(), info.name, job.input.path);
      check_axes(config, job, info.rank(), info.name);
    } catch (...) {
      failure = comm::current_exception_as_error();
    }
  }
  int kind = failure ? static_cast<int>(failure->kind()) : 0;
  std::string message = failure ? failure->what() : "";
  comm.bcast(&kind, 1, 0);
  comm.bcast(message, 0);
  if (kind != 0) throw Error(static_cast<ErrorKind>(kind), message, /*agreed=*/true);
}

void prepare_outputs(Outputs& outputs, const ArrayJobConfig& job) {
  if (job.reduce) outputs.prepare(job.output.path, job.output.format == OutputFormat::kHdf5);
  if (job.center) outputs.prepare(job.center->path, true);
}

}  // namespace

bool is_array_job(const RawConfig& config) { return is_array_config(config); }

void validate_array_job(const RawConfig& config) { parse_array_job(config); }

void run_array_job(const comm::Communicator& comm, const RawConfig& config,
                   const RunOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  const ArrayJobConfig job = parse_array_job(config);
  const Provenance provenance = collect_provenance(comm, config);
  log::info("{}", provenance.summary());
  refuse_outputs_over_inputs(
      comm, config, {{"[input] path", job.input.path}},
      {{"[output] path", job.output.path},
       {"[center] path", job.center ? job.center->path : std::string()}});
  check_input(comm, config, job);
  Outputs outputs(comm);
  if (!options.explain) prepare_outputs(outputs, job);
  std::optional<io::hdf5::ArrayReader> reader;
  collective_phase(comm, "opening the input", [&] {
    reader.emplace(comm, io::hdf5::ReaderOptions{job.input.path, job.input.dataset, job.input.io,
                                                 job.input.block_bytes, job.input.block_rows});
  });
  log::info("reading {} on {} rank{}, {} rows per block ({} I/O)",
            describe_input(*reader, job.input.path), comm.size(), comm.size() == 1 ? "" : "s",
            reader->block_rows(), io::hdf5::io_mode_name(job.input.io));
  Context ctx{comm, config, job, provenance, *reader, outputs};
  exec::Pipeline pipeline(comm);
  add_array_stages(pipeline, ctx);
  if (options.explain) {
    std::vector<std::string> facts = {
        fmt::format("job {}: an array job on {} rank{}", config.source(), comm.size(),
                    comm.size() == 1 ? "" : "s"),
        "input: " + describe_input(*reader, job.input.path),
        fmt::format("  each rank reads a balanced range of whole chunks of axis 0, {} rows per "
                    "block ({} I/O)",
                    reader->block_rows(), io::hdf5::io_mode_name(job.input.io))};
    for (const std::string& path : {job.output.path, job.center ? job.center->path : ""})
      if (!path.empty())
        facts.push_back("output: " + path + ", written under a temporary name and renamed");
    return print_explain(comm, facts, pipeline);
  }
  run_with_progress(comm, pipeline, options, config);
  const std::uint64_t bytes = comm.allreduce(reader->bytes_read(), comm::ReduceOp::kSum);
  reader.reset();
  outputs.commit(provenance);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::string written;
  for (const std::string& path : outputs.paths()) written += (written.empty() ? "" : ", ") + path;
  const auto rate = static_cast<std::uint64_t>(static_cast<double>(bytes) / std::max(seconds, 1e-9));
  log::info("done in {:.2f} s: read {} ({}/s); wrote {}", seconds, human_bytes(bytes),
            human_bytes(rate), written);
  report_pipeline(comm, pipeline, options);
}

}  // namespace rankflow::job
