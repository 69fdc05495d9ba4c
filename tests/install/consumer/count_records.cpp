// Counts the records of a file (any container, plain, zstd or gzip) and prints the first one
// compacted: libstream used from outside the project, through its installed headers.
#include <libstream/json.hpp>
#include <libstream/record_reader.hpp>

#include <iostream>
#include <string>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: count_records FILE\n";
    return 2;
  }
  auto source = libstream::open_record_source(argv[1], libstream::InputFormat::auto_detect);
  libstream::RawRecord record;
  unsigned long count = 0;
  std::string first;
  while (source->next(record)) {
    if (count++ == 0 && !libstream::append_compact_json(record.data, record.size, first, nullptr)) first = "?";
  }
  std::cout << count << " " << first << "\n";
  return 0;
}
