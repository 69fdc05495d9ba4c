#include <libstream/completion.hpp>
#include <libstream/json.hpp>

namespace libstream {
namespace {

void append_member(std::string& out, const char* name, const std::string& value) {
  out += ",\"";
  out += name;
  out += "\":";
  append_json_string(out, value);
}

}  // namespace

std::string option_table(const CLI::App& app) {
  std::string out = "{\"tool\":";
  append_json_string(out, app.get_name());
  append_member(out, "description", app.get_description());
  std::string options;
  std::string positionals;
  for (const CLI::Option* option : app.get_options()) {
    if (option->get_group().empty()) continue;  // hidden
    const bool takes_value = option->get_items_expected_max() > 0;  // flags expect 0 values
    // CLI11 names no type for the --config file it reads.
    const std::string value = option == app.get_config_ptr() ? std::string("FILE") : option->get_type_name();
    if (option->get_positional() && !option->nonpositional()) {
      positionals += positionals.empty() ? "{" : ",{";
      positionals += "\"name\":";
      append_json_string(positionals, option->get_name());
      append_member(positionals, "value", value);
      positionals += ",\"many\":";
      positionals += option->get_items_expected_max() > 1 ? "true" : "false";
      positionals += "}";
      continue;
    }
    options += options.empty() ? "{\"names\":[" : ",{\"names\":[";
    bool first = true;
    for (const std::string& name : option->get_snames()) {
      if (!first) options += ",";
      append_json_string(options, "-" + name);
      first = false;
    }
    for (const std::string& name : option->get_lnames()) {
      if (!first) options += ",";
      append_json_string(options, "--" + name);
      first = false;
    }
    options += "],\"value\":";
    if (takes_value) {
      append_json_string(options, value);
    } else {
      options += "null";
    }
    append_member(options, "group", option->get_group());
    append_member(options, "description", option->get_description());
    options += "}";
  }
  out += ",\"options\":[" + options + "],\"positionals\":[" + positionals + "]}\n";
  return out;
}

}  // namespace libstream
