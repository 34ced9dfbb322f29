// `rankflow generate grid OUT.h5 --rows N --cols C ...`: a deterministic demo/test dataset,
// written in parallel (every rank generates and writes its own rows, collectively).
//
//   /temperature  (N, C) values of a daily-cycle climate per station, plus noise
//   /station      (N,)   int64 station of each row, 0..S-1 (for group-by jobs)
//
// Values depend only on (row, column, seed): the same file at any rank count.
#include <mpi.h>

#include <boost/program_options.hpp>
#include <cmath>
#include <iostream>
#include <limits>
#include <optional>

#include "command_line.hpp"
#include "commands.hpp"
#include "rankflow/comm/environment.hpp"
#include "rankflow/comm/failure_latch.hpp"
#include "rankflow/core/buffer.hpp"
#include "rankflow/core/log.hpp"
#include "rankflow/core/stop.hpp"
#include "rankflow/io/hdf5/array_reader.hpp"
#include "rankflow/io/hdf5/array_writer.hpp"
#include "rankflow/io/output_file.hpp"

namespace po = boost::program_options;

namespace rankflow::cli {
namespace {

struct GridSpec {
  std::string path;
  std::string dataset = "/temperature";
  std::uint64_t rows = 0;
  std::uint64_t cols = 16;
  std::uint64_t chunk_rows = 65536;
  std::uint64_t stations = 1000;
  bool contiguous = false;
  DType dtype = DType::kFloat64;
  bool big_endian = false;
  int gzip = 0;
  std::uint64_t nan_every = 0;
  std::uint64_t seed = 1;
};

std::uint64_t mix(std::uint64_t value) {  // splitmix64's finalizer
  value += 0x9e3779b97f4a7c15ull;
  value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ull;
  value = (value ^ (value >> 27)) * 0x94d049bb133111ebull;
  return value ^ (value >> 31);
}

double unit(std::uint64_t hash) { return static_cast<double>(hash >> 11) * 0x1.0p-53; }

std::int64_t station_of(const GridSpec& spec, std::uint64_t row) {
  return static_cast<std::int64_t>(mix(row ^ (spec.seed * 0x2545f4914f6cdd1dull)) % spec.stations);
}

template <typename T>
void fill_rows(const GridSpec& spec, std::uint64_t first, std::uint64_t count, T* values,
               std::int64_t* stations) {
  constexpr double kTwoPi = 6.283185307179586;
  for (std::uint64_t row = 0; row < count; ++row) {
    const std::uint64_t global = first + row;
    const std::int64_t station = station_of(spec, global);
    stations[row] = station;
    const double base =
        12.0 + 16.0 * (unit(mix(static_cast<std::uint64_t>(station) + (spec.seed << 32))) - 0.5);
    const double daily = 5.0 * std::sin(kTwoPi * static_cast<double>(global % 24) / 24.0);
    for (std::uint64_t col = 0; col < spec.cols; ++col) {
      const std::uint64_t flat = global * spec.cols + col;
      const double noise = 2.0 * (unit(mix(flat ^ spec.seed)) - 0.5);
      const double value = base + daily + 0.25 * static_cast<double>(col) + noise;
      T& target = values[row * spec.cols + col];
      if constexpr (std::is_floating_point_v<T>) {
        const bool nan = spec.nan_every > 0 && flat % spec.nan_every == spec.nan_every - 1;
        target = nan ? std::numeric_limits<T>::quiet_NaN() : static_cast<T>(value);
      } else {  // tenths of a degree, clamped to the type
        const double scaled = std::round(value * 10.0);
        const double low = static_cast<double>(std::numeric_limits<T>::lowest());
        const double high = static_cast<double>(std::numeric_limits<T>::max());
        target = static_cast<T>(std::min(std::max(scaled, low), high));
      }
    }
  }
}

void generate_grid(const comm::Communicator& comm, const GridSpec& spec) {
  io::AtomicOutput out(comm, spec.path, io::AtomicOutput::Target::kRegularFile);
  std::optional<io::hdf5::ParallelFile> file;
  std::optional<io::hdf5::ArrayWriter> values;
  std::optional<io::hdf5::ArrayWriter> stations;
  const std::uint64_t chunk =
      spec.contiguous ? 0 : std::min(spec.chunk_rows, std::max<std::uint64_t>(1, spec.rows));
  comm::run_collective_phase(comm, "creating the output", [&] {
    file.emplace(io::hdf5::ParallelFile::create(comm, out.temp_path(), spec.path));
    io::hdf5::WriterOptions layout;
    if (chunk > 0) layout = {{chunk, spec.cols}, spec.gzip, spec.big_endian};
    layout.big_endian = spec.big_endian;
    values.emplace(*file, spec.dataset, std::vector<std::uint64_t>{spec.rows, spec.cols},
                   spec.dtype, layout);
    io::hdf5::WriterOptions station_layout;
    if (chunk > 0)
      station_layout.chunk_dims = {std::min(chunk * 16, std::max<std::uint64_t>(1, spec.rows))};
    stations.emplace(*file, "/station", std::vector<std::uint64_t>{spec.rows}, DType::kInt64,
                     station_layout);
  });
  // A full disk is one agreed error before anything is written (ParallelFile::reserve). A
  // compressed grid (gzip applies to chunked grids) is smaller than its values: nothing is
  // reserved for it.
  if (spec.gzip == 0 || chunk == 0)
    file->reserve(spec.rows * (spec.cols * dtype_size(spec.dtype) + sizeof(std::int64_t)) +
                      io::hdf5::ParallelFile::kMetadataMargin,
                  "writing '" + spec.path + "'");
  const io::hdf5::RowRange mine =
      io::hdf5::partition_rows(spec.rows, chunk, comm.size(), comm.rank());
  const std::uint64_t block = chunk > 0 ? chunk : 65536;
  const std::uint64_t steps =
      comm.allreduce((mine.size() + block - 1) / block, comm::ReduceOp::kMax);
  ByteBuffer value_buffer(block * spec.cols * dtype_size(spec.dtype));
  ByteBuffer station_buffer(block * sizeof(std::int64_t));
  for (std::uint64_t step = 0; step < steps; ++step) {  // collective writes: every rank, every step
    const std::uint64_t first = std::min(mine.end, mine.begin + step * block);
    const std::uint64_t count = std::min(block, mine.end - first);
    visit_dtype(spec.dtype, [&](auto tag) {
      using T = decltype(tag);
      fill_rows<T>(spec, first, count, value_buffer.as<T>(), station_buffer.as<std::int64_t>());
    });
    values->write(first, count, value_buffer.data());
    stations->write(first, count, station_buffer.data());
  }
  comm::run_collective_phase(comm, "closing the output", [&] {
    values->close();
    stations->close();
    file->set_attribute("/", "generator", std::string("rankflow generate grid"));
    file->set_attribute("/", "seed", static_cast<std::int64_t>(spec.seed));
    file->set_attribute("/", "stations", static_cast<std::int64_t>(spec.stations));
    file->close();
  });
  out.commit();
}

std::optional<DType> parse_dtype(const std::string& name) {
  for (DType type :
       {DType::kInt8, DType::kInt16, DType::kInt32, DType::kInt64, DType::kUInt8, DType::kUInt16,
        DType::kUInt32, DType::kUInt64, DType::kFloat32, DType::kFloat64})
    if (dtype_name(type) == name) return type;
  return std::nullopt;
}

// What is wrong with the options ("" when nothing).
std::string grid_problem(const po::variables_map& vars, const GridSpec& spec, bool known_dtype) {
  if (!vars.count("kind") || vars["kind"].as<std::string>() != "grid")
    return "the only kind is 'grid'";
  if (spec.path.empty()) return "missing the output file";
  if (!vars.count("rows")) return "--rows is required";
  if (spec.cols == 0 || spec.chunk_rows == 0 || spec.stations == 0)
    return "--cols, --chunk-rows and --stations must be positive";
  if (!known_dtype) return "--dtype must be one of int8..int64, uint8..uint64, float32, float64";
  if (spec.gzip < 0 || spec.gzip > 9 || (spec.gzip > 0 && spec.contiguous))
    return "--gzip is 1-9, with chunks";
  return "";
}

// Parses `generate grid OUT.h5 ...`; returns 0 with `spec` filled, or an exit code (help, usage).
int parse_grid(const Args& args, GridSpec& spec) {
  std::string dtype = "float64";
  po::options_description options(
      "rankflow generate grid OUT.h5 --rows N [options]\n\nWrites a deterministic HDF5 grid in "
      "parallel (run it under mpirun): /temperature (N, C) and /station (N,) int64");
  // clang-format off
  options.add_options()
    ("help,h", "show this help")
    ("rows", po::value<std::uint64_t>(&spec.rows), "rows N (required)")
    ("cols", po::value<std::uint64_t>(&spec.cols)->default_value(16), "columns C")
    ("chunk-rows", po::value<std::uint64_t>(&spec.chunk_rows)->default_value(65536),
     "rows per chunk")
    ("contiguous", po::bool_switch(&spec.contiguous), "contiguous layout instead of chunks")
    ("stations", po::value<std::uint64_t>(&spec.stations)->default_value(1000),
     "distinct /station values")
    ("dtype", po::value<std::string>(&dtype)->default_value("float64"),
     "int8..int64, uint8..uint64, float32, float64")
    ("big-endian", po::bool_switch(&spec.big_endian), "store values big-endian")
    ("gzip", po::value<int>(&spec.gzip)->default_value(0), "deflate level 1-9 (chunked only)")
    ("nan-every", po::value<std::uint64_t>(&spec.nan_every)->default_value(0),
     "floats: every K-th value is NaN")
    ("dataset", po::value<std::string>(&spec.dataset)->default_value("/temperature"),
     "name of the values dataset")
    ("seed", po::value<std::uint64_t>(&spec.seed)->default_value(1), "seed of the values");
  // clang-format on
  po::options_description hidden;
  hidden.add_options()("kind", po::value<std::string>())("out", po::value<std::string>(&spec.path));
  po::positional_options_description positional;
  positional.add("kind", 1).add("out", 1);
  po::variables_map vars;
  if (!parse_command_line(args, "generate", options, hidden, positional, vars)) return 2;
  if (vars.count("help")) {
    std::cout << options;
    return 0;
  }
  const auto type = parse_dtype(dtype);
  const std::string problem = grid_problem(vars, spec, type.has_value());
  if (!problem.empty()) {
    std::cerr << "rankflow generate: " << problem << "\n" << options;
    return 2;
  }
  spec.dtype = *type;
  return -1;
}

}  // namespace

int generate_command(const Args& args, int* argc, char*** argv) {
  GridSpec spec;
  const int parsed = parse_grid(args, spec);
  if (parsed >= 0) return parsed;
  comm::MpiEnvironment environment(argc, argv);
  int exit_code = 0;
  {
    comm::Communicator comm(MPI_COMM_WORLD);
    core::install_stop_handlers(comm.rank() == 0);
    log::init({comm.rank(), comm.size(), log::Level::kInfo, ""});
    try {
      generate_grid(comm, spec);
      log::info("wrote {}: {} ({} x {} {}) and /station", spec.path, spec.dataset, spec.rows,
                spec.cols, dtype_name(spec.dtype));
    } catch (const Error& error) {
      exit_code = finish_with_error(comm, error);
    }
  }
  return exit_code;
}

}  // namespace rankflow::cli
