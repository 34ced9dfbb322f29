#include "rankflow/job/schema.hpp"

#include <algorithm>
#include <numeric>

namespace rankflow::job {
namespace {

// Keys of a table input, the same in [input] and in named inputs [input.NAME] (docs/csv.md).
std::vector<KeyDoc> input_keys() {
  return {
      {"path", "", "the input: a CSV file or a glob of files (read in sorted name order, split "
                   "by bytes across ranks), or an HDF5 file"},
      {"format", "auto", "csv, hdf5, or auto: by the path's extension (.csv .tsv .txt: csv; "
                         ".h5 .hdf5 .he5: hdf5)"},
      {"delimiter", ",", "CSV field delimiter: one character, or tab, comma, semicolon, pipe, "
                         "space (tab for .tsv files)"},
      {"quote", "\"", "CSV quote character (RFC 4180: a quote inside a quoted field is "
                      "doubled), or none"},
      {"header", "true", "the first line of every CSV file names the columns (all files must "
                         "agree); false: columns are c0, c1, ... or named by schema"},
      {"schema", "", "CSV column types, name:type, ... (int64 float64 bool string date "
                     "timestamp); with a header any subset, the rest inferred from a sample; "
                     "without a header every column in order"},
      {"null_values", "", "CSV texts read as null besides the empty field, e.g. NA, NULL "
                          "(unquoted fields only)"},
      {"on_bad_rows", "error", "error: the first bad CSV row (wrong field count, a value that "
                               "does not fit its column, bad quoting) stops the job naming file, "
                               "line and column; skip: such rows are skipped, counted and "
                               "reported"},
      {"dataset", "", "the HDF5 dataset, e.g. /temperature (array jobs; "
                      "`rankflow inspect FILE` lists them); table jobs: one dataset, as datasets"},
      {"datasets", "", "HDF5 table inputs: the datasets whose columns make the table, of equal "
                       "length, e.g. /station, /temperature. A 1-D dataset is one column named "
                       "after it (station); a 2-D one gives one column per column, named by its "
                       "string-array attribute `columns` or c0, c1, ...; a compound one gives one "
                       "column per field (docs/hdf5-tables.md)"},
      {"block_size", "1MiB (CSV), 4MiB (HDF5)",
       "bytes read per block and rank (4096, 64KiB, 8MiB). CSV: bytes parsed at a time (memory "
       "per rank stays near a few times this). HDF5: rounded to whole chunks when a chunk fits, "
       "and always whole chunks for compressed datasets"},
      {"block_rows", "", "HDF5: rows per block; overrides block_size"},
      {"io", "independent", "HDF5 transfers: independent (MPI-IO, each rank on its own: fastest "
                            "measured), collective (MPI-IO collective buffering) or posix (each "
                            "rank opens the file itself with plain reads); table inputs: "
                            "independent or posix"},
      {"sample_size", "1MiB", "CSV bytes sampled to infer column types (16 windows across the "
                              "input; the whole input when smaller)"},
      {"max_record_size", "64MiB (at least block_size)",
       "CSV: the longest record (row) accepted, in bytes: a rank's read buffer grows past "
       "block_size up to this size for one long record; a guard against a quote left open. A "
       "record of up to block_size bytes always fits, so it cannot be smaller than block_size"},
  };
}

std::vector<SectionDoc> build_schema() {
  std::vector<SectionDoc> sections;
  sections.push_back({"job", "How the job runs, whatever it computes.",
                      {
                          {"name", "the config file's name", "a name for logs and provenance"},
                          {"log", "info", "quiet, info or debug"},
                          {"exchange_round_bytes", "1GiB",
                           "bytes each rank moves per MPI_Alltoallv round in a shuffle "
                           "(group-by, sort, join); larger exchanges go in rounds, so a rank "
                           "may send more than 2 GiB"},
                          {"memory_per_rank", "auto",
                           "the memory a join, sort or distinct may use per rank (a size: "
                           "2GiB), none for no limit, or auto: the memory available on the "
                           "node when the job starts, shared by its ranks. A sort past it "
                           "spills sorted runs to [job] scratch, a join spills both sides by "
                           "key hash partition there (a grace hash join; docs/memory.md)"},
                          {"scratch", "$TMPDIR, else /tmp",
                           "the folder where operators spill past memory_per_rank (node-local "
                           "under Slurm); each job uses its own folder in it, rankflow-<job>, "
                           "removed when the job ends, and removes folders of killed jobs"},
                          {"max_scratch_per_rank", "none",
                           "the most a rank may write to scratch (a size: 200GiB); a job that "
                           "needs more stops with an error naming the folder before the disk "
                           "fills"},
                          {"progress_interval", "10s",
                           "with --progress lines: the longest time between two progress lines "
                           "(a line is also printed at every stage change); 30s, 2min, 1h"},
                      }});
  sections.push_back({"input",
                      "What the job reads. Table jobs: CSV files (docs/csv.md) or HDF5 "
                      "datasets (docs/hdf5-tables.md). Array jobs ([reduce], [center]): one "
                      "HDF5 dataset of 1 to N axes, int8..uint64, float32 or float64 in either "
                      "byte order; every rank reads a balanced, contiguous part of its first "
                      "axis (whole chunks), block by block.",
                      input_keys()});
  sections.push_back({"input.*", "A named input table, [input.NAME] (for joins); same keys "
                                 "as [input].",
                      input_keys()});
  sections.push_back(
      {"filter",
       "Keeps the rows where a condition is true (false and null rows are dropped), block by "
       "block as they are read (docs/pipeline.md).",
       {
           {"where", "",
            "a true/false expression over the input's columns, e.g. qty > 5 and category != "
            "\"misc\"; operators, functions and null rules: docs/pipeline.md"},
       }});
  sections.push_back(
      {"derive",
       "New columns computed from each row after the filter, in the order given: each key is "
       "a column name, its value an expression (revenue = value * qty) that may use the "
       "input's columns and the derived columns above it (docs/pipeline.md).",
       {},
       /*free_keys=*/true});
  sections.push_back(
      {"groupby",
       "Distributed group-by: local pre-aggregation, one exchange of partial states to the rank "
       "that owns each key, merge (docs/groupby-and-sort.md).",
       {
           {"keys", "", "key columns, comma separated (any type; null keys form their own group)"},
           {"aggregate", "",
            "comma separated: sum, mean, min, max, count(), count(col), var, std, first, last, "
            "nunique, median, quantile(col, p); output named <function>_<column>, count() is "
            "'count', 'sum(x) as total' renames"},
           {"ddof", "1", "delta degrees of freedom of var and std (1: sample, 0: population)"},
           {"skew_to_one_rank", "false",
            "debug: send every key to rank 0, to test skew (the result is the same)"},
       }});
  sections.push_back(
      {"join",
       "Joins two named inputs by key, before the filter (docs/joins.md): a distributed hash "
       "join, the build side (right) held by key owner or once per node, the other side "
       "streamed through.",
       {
           {"left", "", "the left input: NAME of an [input.NAME] section (required)"},
           {"right", "", "the right input: NAME of an [input.NAME] section (required); built "
                         "and held in memory unless build = left, so put the smaller table here"},
           {"on", "", "key columns named the same on both sides, comma separated (one output "
                      "column each, as SQL USING)"},
           {"left_on", "", "or: the left's key columns ..."},
           {"right_on", "", "... and the right's, paired one to one with left_on"},
           {"how", "inner", "inner, left, right, full (or outer), semi or anti; null keys never "
                            "match"},
           {"strategy", "auto", "auto (broadcast when the build side is at most "
                                "broadcast_threshold), shuffle or broadcast (one copy per node in "
                                "shared memory)"},
           {"broadcast_threshold", "64MiB", "strategy = auto broadcasts a build side of at most "
                                            "this many bytes (all ranks together)"},
           {"left_suffix", "_left", "appended to a left column whose name is also a right "
                                    "column (not a shared key)"},
           {"right_suffix", "_right", "appended to such a right column"},
           {"build", "right", "the side held in memory and indexed: right or left"},
           {"skew_to_one_rank", "false", "debug: every key goes to rank 0 (same result)"},
       }});
  sections.push_back(
      {"distinct", "Keeps the first row (input order) of each distinct key, after the group-by "
                   "(docs/joins.md).",
       {
           {"columns", "*", "the key columns, comma separated, or * for all columns"},
       }});
  sections.push_back(
      {"top", "The first k rows of an order, over the whole table or per group, without a full "
              "sort; after [distinct] (docs/joins.md).",
       {
           {"by", "", "the order: column [asc|desc] [nulls first|nulls last], comma separated "
                      "(required)"},
           {"k", "", "rows to keep (per group) (required)"},
           {"per", "", "group columns: the first k rows of each group"},
       }});
  sections.push_back(
      {"sort", "Orders the result across ranks (a stable distributed sample sort), after "
               "[top]; the same as [output] sort (give one of them).",
       {
           {"by", "", "column [asc|desc] [nulls first|nulls last], comma separated (required)"},
       }});
  sections.push_back(
      {"limit", "Keeps the first n rows in the current order (after [sort]: the n first of "
                "that order); the last step before the output.",
       {
           {"n", "", "rows to keep (required)"},
       }});
  sections.push_back({"reduce", "Reductions of the [input] array over one axis or all axes, with "
                       "numpy's semantics (docs/hdf5-reductions.md).",
                      {
                          {"functions", "", "comma-separated: sum, mean, min, max, count, var, "
                                            "std, nan_count (required)"},
                          {"axis", "0", "the axis reduced away: 0 (one result per column), 1, "
                                        "..., -1 (the last) or all (one result)"},
                          {"ddof", "0", "var and std divide by count - ddof (0: population, as "
                                        "numpy; 1: sample, as pandas)"},
                          {"nan", "skip", "skip: NaN values are left out (count counts the values "
                                          "used, as numpy's nanmean); propagate: a NaN makes the "
                                          "result NaN"},
                      }});
  sections.push_back({"center", "Centering of the [input] array into a new float64 dataset of "
                       "the same shape: x - mean(x, axis), or z-scores (x - mean) / std.",
                      {
                          {"kind", "center", "center (x - mean) or zscore ((x - mean) / std)"},
                          {"axis", "0", "the axis the means are taken along: 0 (column means, "
                                        "two passes), 1 (row means), ..., -1 or all"},
                          {"ddof", "0", "zscore: std divides by count - ddof"},
                          {"nan", "skip", "skip: means ignore NaN (a NaN input stays NaN); "
                                          "propagate: a NaN makes its whole group NaN"},
                          {"dataset", "/center or /zscore", "the output dataset's name, e.g. /anomaly"},
                          {"path", "[output] path", "the HDF5 file written (required when "
                                                    "[output] path is not set or not HDF5)"},
                      }});
  sections.push_back(
      {"map",
       "Runs a command once per input (a task per input, handed out in order to whichever rank "
       "is free, rank 0 included), without a shell; [output] path is the summary CSV, one row "
       "per task. Placeholders {input} {name} {stem} {index} {output} (docs/map.md).",
       {
           {"inputs", "", "comma-separated globs (sorted matches) and @list.txt files (one path "
                          "per line), in order (required)"},
           {"command", "", "the program and its arguments, split once with shell-like quotes, "
                           "placeholders substituted per argument, never run by a shell "
                           "(required)"},
           {"output", "", "each task's output path, e.g. out/{stem}.csv; {output} in the "
                          "command is a hidden temporary beside it, renamed on success, removed "
                          "on failure"},
           {"timeout", "", "a task running longer is killed (SIGTERM, SIGKILL 2 s later): 30s, "
                           "10min, 2h; default no limit"},
           {"retries", "0", "runs of a failed task after the first"},
           {"on_error", "continue", "continue (the other tasks go on) or stop (no new task "
                                    "after the first failure; the rest are skipped)"},
           {"log_dir", "[output] path without extension + .logs",
            "folder of the per-task logs (stdout and stderr): <index>-<stem>.log"},
           {"rerun", "failed", "failed: run only the tasks the journal (<summary>.journal) "
                               "does not record as done with the same command and input; all: "
                               "run everything again"},
       }});
  sections.push_back({"output", "Where results go. Array jobs: CSV (one row per index of the "
                       "kept axes: index columns row, col, axis2..., then one column per "
                       "function) or HDF5 (one dataset per function, with the job's provenance "
                       "as attributes). Table jobs: the result table as CSV or HDF5 "
                       "(docs/hdf5-tables.md), in the order of `sort` (docs/pipeline.md). "
                       "Written under a temporary name, renamed on success.",
                      {
                          {"path", "", "the output file (required for array jobs with "
                                       "[reduce]; a job with only [center] writes to [center] "
                                       "path, a table job without one only prints its "
                                       "summary); the format follows the extension (.csv, .h5, "
                                       ".hdf5)"},
                          {"format", "auto", "auto (from the extension), csv or hdf5"},
                          {"datasets", "/<function>", "HDF5 dataset of each function: "
                                                      "mean:/stats/mean, std:/stats/std"},
                          {"table", "auto", "print the results on stdout (rank 0): on (the first "
                                            "50 rows), off, or auto (when there are at most 50)"},
                          {"layout", "columns", "table jobs, HDF5: columns (one 1-D dataset "
                                                "per column, in group) or compound (one dataset "
                                                "of rows, a field per column); strings are "
                                                "fixed-length UTF-8, nulls in nulls/<column> "
                                                "masks (docs/hdf5-tables.md)"},
                          {"group", "/", "table jobs, HDF5, layout = columns: the group of the "
                                         "column datasets"},
                          {"dataset", "/table", "table jobs, HDF5, layout = compound: the "
                                                "dataset of rows"},
                          {"io", "collective", "HDF5 writes of rows (centered arrays, row-by-row "
                                               "results): collective or independent MPI-IO"},
                          {"sort", "", "table jobs: order of the output rows, column [asc|desc] "
                                       "[nulls first|nulls last], comma separated (a stable "
                                       "distributed sample sort); without it each rank's rows "
                                       "follow the previous rank's"},
                          {"delimiter", ",", "table jobs, CSV: field delimiter, one character "
                                             "or tab, comma, semicolon, pipe, space"},
                          {"quote", "\"", "table jobs, CSV: quote character of fields that hold "
                                          "the delimiter, the quote or a line break"},
                          {"header", "true", "table jobs, CSV: a first row of column names"},
                      }});
  return sections;
}

bool section_matches(const SectionDoc& doc, const std::string& name) {
  if (doc.name.size() > 2 && doc.name.compare(doc.name.size() - 2, 2, ".*") == 0) {
    const std::string prefix = doc.name.substr(0, doc.name.size() - 1);  // "input."
    return name.size() > prefix.size() && name.compare(0, prefix.size(), prefix) == 0;
  }
  return doc.name == name;
}

std::string closest(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = 3;  // suggest only close spellings
  for (const std::string& candidate : candidates) {
    const std::size_t distance = edit_distance(word, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  return best.empty() ? "" : " (did you mean '" + best + "'?)";
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

}  // namespace

const std::vector<SectionDoc>& schema() {
  static const std::vector<SectionDoc> sections = build_schema();
  return sections;
}

std::size_t edit_distance(const std::string& left, const std::string& right) {
  std::vector<std::size_t> row(right.size() + 1);
  std::iota(row.begin(), row.end(), std::size_t{0});
  for (std::size_t left_idx = 1; left_idx <= left.size(); ++left_idx) {
    std::size_t diagonal = row[0];
    row[0] = left_idx;
    for (std::size_t right_idx = 1; right_idx <= right.size(); ++right_idx) {
      const std::size_t above = row[right_idx];
      const std::size_t substitute =
          diagonal + (left[left_idx - 1] == right[right_idx - 1] ? 0 : 1);
      row[right_idx] = std::min({above + 1, row[right_idx - 1] + 1, substitute});
      diagonal = above;
    }
  }
  return row[right.size()];
}

void validate_keys(const RawConfig& config) {
  std::vector<std::string> section_names;
  for (const SectionDoc& doc : schema()) section_names.push_back(doc.name);
  std::vector<ConfigEntry> entries = config.all();
  entries.insert(entries.end(), config.cleared().begin(), config.cleared().end());
  for (const ConfigEntry& entry : entries) {
    const std::string where =
        entry.origin == "--set" ? "--set " + entry.section + "." + entry.key : entry.origin;
    if (entry.section.empty())
      throw ConfigError("{}: key '{}' is outside any [section]", where, entry.key);
    auto doc = std::find_if(schema().begin(), schema().end(), [&](const SectionDoc& candidate) {
      return section_matches(candidate, entry.section);
    });
    if (doc == schema().end())
      throw ConfigError("{}: unknown section [{}]{}; sections are: {}", where, entry.section,
                        closest(entry.section, section_names), join(section_names));
    if (doc->free_keys) continue;
    std::vector<std::string> keys;
    for (const KeyDoc& key : doc->keys) keys.push_back(key.key);
    if (std::find(keys.begin(), keys.end(), entry.key) == keys.end())
      throw ConfigError("{}: unknown key '{}' in [{}]{}; keys of [{}] are: {}", where, entry.key,
                        entry.section, closest(entry.key, keys), entry.section, join(keys));
  }
  for (const std::string& name : config.sections()) {  // also those written without keys
    const bool known = std::any_of(schema().begin(), schema().end(), [&](const SectionDoc& doc) {
      return section_matches(doc, name);
    });
    if (!known && !name.empty())
      throw ConfigError("{}: unknown section [{}]{}; sections are: {}", config.source(), name,
                        closest(name, section_names), join(section_names));
  }
}

namespace {

std::string describe_section(const SectionDoc& doc) {
  std::string out = "### [" + doc.name + "]\n\n" + doc.help + "\n\n";
  if (doc.keys.empty()) return out;
  out += "| key | default | meaning |\n|---|---|---|\n";
  for (const KeyDoc& key : doc.keys)
    out += "| `" + key.key + "` | " + key.default_value + " | " + key.help + " |\n";
  return out + "\n";
}

}  // namespace

std::string describe_schema() {
  std::string out;
  for (const SectionDoc& doc : schema()) out += describe_section(doc);
  return out;
}

std::string describe_schema(const std::string& section) {
  std::string name = section;
  if (name.size() > 2 && name.front() == '[' && name.back() == ']')
    name = name.substr(1, name.size() - 2);  // `rankflow keys [reduce]` as written in a job
  std::vector<std::string> section_names;
  for (const SectionDoc& doc : schema()) {
    section_names.push_back(doc.name);
    if (doc.name == name || section_matches(doc, name)) return describe_section(doc);
  }
  throw ConfigError("unknown section '{}'{}; sections are: {}", section,
                    closest(name, section_names), join(section_names));
}

}  // namespace rankflow::job
