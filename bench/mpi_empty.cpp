// mpi_empty: MPI_Init and MPI_Finalize, nothing else. Under `mpirun -np 2` with the
// shared-memory transport it is the start-up every MPI job pays here (bench/README.md).
#include <mpi.h>

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  MPI_Finalize();
  return 0;
}
