// The job of jobs/sales_by_region.ini written in C++ with api::Frame: sales joined with a
// dimension table on key, a derived column, a group-by over the dimension's region, sorted.
//
//   mpirun -np 4 build/examples/sales_by_region data/sales.csv data/dim.csv out/by_region.csv
//
// Every rank runs the same program on its part of the data (MPI's SPMD model): each call below
// is collective, and an error (a missing file, an unknown column, a bad row) is thrown on every
// rank alike, so one catch on every rank is enough.
#include <mpi.h>

#include <cstdio>
#include <exception>

#include "rankflow/api/frame.hpp"
#include "rankflow/comm/environment.hpp"
#include "rankflow/core/error.hpp"

int main(int argc, char** argv) {
  using rankflow::api::Frame;
  rankflow::comm::MpiEnvironment mpi(&argc, &argv);
  rankflow::comm::Communicator comm(MPI_COMM_WORLD);
  if (argc != 4) {
    if (comm.rank() == 0)
      std::fprintf(stderr, "usage: sales_by_region SALES.csv DIM.csv OUT.csv\n");
    return 2;
  }
  try {
    const Frame sales = Frame::read_csv(comm, argv[1]);
    const Frame dim = Frame::read_csv(comm, argv[2]);
    const Frame result = sales.join(dim, rankflow::api::on({"key"}))
                             .derive("vw", "value * weight")
                             .groupby({"region"}, "sum(vw)")
                             .sort("region");
    result.write_csv(argv[3]);
    const std::uint64_t rows = result.num_rows();
    if (comm.rank() == 0) std::printf("%s: %llu rows\n", argv[3], static_cast<unsigned long long>(rows));
  } catch (const rankflow::Error& error) {
    if (comm.rank() == 0) std::fprintf(stderr, "sales_by_region: error: %s\n", error.what());
    return error.exit_code();
  }
  return 0;
}
