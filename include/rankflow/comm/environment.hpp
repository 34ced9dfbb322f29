// MpiEnvironment: initializes MPI if nobody has, and finalizes it only if it initialized it,
// so that rankflow works both as a program and as a library inside a user's MPI program.
#pragma once

namespace rankflow::comm {

class MpiEnvironment {
 public:
  MpiEnvironment(int* argc, char*** argv);
  ~MpiEnvironment();
  MpiEnvironment(const MpiEnvironment&) = delete;
  MpiEnvironment& operator=(const MpiEnvironment&) = delete;

  // Ends every process of the job: only for errors that the ranks could not agree on
  // (an error inside a collective call). Prints nothing; print before calling.
  [[noreturn]] static void abort(int exit_code);

 private:
  bool owns_ = false;
};

}  // namespace rankflow::comm
