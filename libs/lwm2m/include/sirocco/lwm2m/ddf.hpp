// DDF (Device Description Framework) XML loader, host only (pugixml,
// std::filesystem). OMA LwM2M Core TS 1.2 appendix D; schemas LWM2M.xsd
// (1.0) and LWM2M-v1_1.xsd (adds "Unsigned Integer" and "Corelnk"), both
// accepted: the loader reads the elements, it does not validate against a
// schema.
//
// Unlike libs/ in general, load_ddf_file() and load_ddf_folder() read files:
// they are tooling for the server and the command line. load_ddf_text() is
// the I/O-free core.
//
// What a file gives:
//  - <LWM2M> with one or more <Object ObjectType="MODefinition"> elements:
//    each object is checked and, when it has no error, added to the store;
//  - anything else is skipped with a reason, not an error: another root
//    element (the registry's DDF.xml <DDFList> index, LWM2M_senml_units.xml
//    <units>), or an <LWM2M> holding no object definition (Common.xml holds
//    only reusable resources, ObjectType="CommonResources");
//  - an error names the file, the 1-based line and what is wrong: XML syntax
//    (with pugixml's description), missing <ObjectID>/<Name>/..., a bad
//    <Type>, <Operations>, <MultipleInstances> or <Mandatory> value, a bad
//    or duplicate resource id, an object already loaded with the same id and
//    version. An object with any error is not added; the other objects of
//    the file and the other files still are.
//
// Values: <MultipleInstances> "Multiple"/"Single", <Mandatory>
// "Mandatory"/"Optional" (case-insensitive, blanks trimmed); a missing or
// empty <ObjectVersion> or <LWM2MVersion> is "1.0"; <RangeEnumeration> and
// <Units> are kept trimmed, and a numeric range in the text ("0..255",
// "1-100", "1...15", "0..255 bytes", "-30..-120") also fills range_min and
// range_max (see parse_numeric_range).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sirocco/lwm2m/model_store.hpp"

namespace sirocco::lwm2m {

struct ddf_loaded_object {
    std::string file;  ///< as given (a folder load gives dir/name)
    std::uint16_t id = 0;
    std::string name;
    std::string object_version;
    std::string lwm2m_version;
    std::size_t resource_count = 0;
};

struct ddf_skipped_file {
    std::string file;
    std::string reason;  ///< e.g. "object index <DDFList>, not an object definition"
};

struct ddf_error {
    std::string file;
    std::size_t line = 0;  ///< 1-based; 0 when the file could not be read at all
    std::string message;
};

struct ddf_report {
    std::vector<ddf_loaded_object> loaded;
    std::vector<ddf_skipped_file> skipped;
    std::vector<ddf_error> errors;
    std::size_t files = 0;  ///< files looked at

    bool ok() const noexcept { return errors.empty(); }
    /// Sum of resource_count over `loaded`.
    std::size_t resource_count() const noexcept;
    /// Appends another report (files, objects, skips and errors).
    void merge(ddf_report&& other);
};

/// Parses DDF XML held in memory. `file` names it in the report. Objects
/// are added to `store` (whose views then own copies of the strings).
ddf_report load_ddf_text(std::string_view xml, std::string_view file, model_store& store);

/// Reads one file and loads it as load_ddf_text(). A file that cannot be
/// read is an error with line 0.
ddf_report load_ddf_file(const std::filesystem::path& file, model_store& store);

/// Loads every regular file whose name ends in ".xml" (any case) directly in
/// `dir` (no recursion), in natural name order ("3.xml" before "10.xml").
/// Other files (.xsd, .md) are ignored and not counted. A folder that cannot
/// be listed is one error with line 0.
ddf_report load_ddf_folder(const std::filesystem::path& dir, model_store& store);

struct numeric_range {
    double min = 0;
    double max = 0;
};

/// The numeric bounds of a DDF range text, or nullopt when the text is not
/// a plain numeric range (empty, enumerations "0;1;2", "0,1,2", "0: off 1: on",
/// single numbers "64", mixed forms "0; 3.8..20.5"). Accepted: "A..B",
/// "A...B", "A-B", each optionally followed by "byte"/"bytes" (any case);
/// A and B decimal numbers, possibly negative or fractional. Bounds written
/// high to low ("-30..-120") are returned as min <= max.
std::optional<numeric_range> parse_numeric_range(std::string_view text);

}  // namespace sirocco::lwm2m
