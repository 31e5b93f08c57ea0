// Property: random record sets (every data type, multiple-instance
// resources, odd strings and bytes) encode and decode back to themselves in
// TLV, SenML JSON and OMA LwM2M JSON.
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <random>

#include "json_test_util.hpp"

using namespace sirocco;
using namespace sirocco::test;
using codec::content_format;

namespace {
const test_models models;

std::string random_string(std::mt19937& rng) {
    static const char* pieces[] = {"a",
                                   "Z",
                                   " ",
                                   "\"",
                                   "\\",
                                   "/",
                                   "\n",
                                   "\t",
                                   "\x01",
                                   "\x7f",
                                   "\xC3\xA9",
                                   "\xE2\x82\xAC",
                                   "\xF0\x9F\x98\x80",
                                   "{",
                                   "}",
                                   ",",
                                   ":",
                                   "<",
                                   ">",
                                   ";"};
    std::string s;
    auto n = rng() % 12;
    for (unsigned i = 0; i < n; ++i)
        s += pieces[rng() % (sizeof pieces / sizeof pieces[0])];
    return s;
}

std::string random_bytes(std::mt19937& rng) {
    std::string s(rng() % 40, '\0');
    for (auto& c : s)
        c = static_cast<char>(rng());
    return s;
}

double random_double(std::mt19937& rng) {
    switch (rng() % 4) {
        case 0:
            return static_cast<double>(static_cast<std::int32_t>(rng())) /
                   8.0;  // exact in binary32
        case 1:
            return std::ldexp(static_cast<double>(rng()), static_cast<int>(rng() % 200) - 100);
        case 2:
            return -0.1 * static_cast<double>(rng() % 1000);
        default: {
            std::uint64_t bits = (static_cast<std::uint64_t>(rng()) << 32) | rng();
            double d;
            std::memcpy(&d, &bits, 8);
            return std::isfinite(d) ? d : 1.5;
        }
    }
}

std::vector<owned_record> random_records(std::mt19937& rng, bool device) {
    std::vector<owned_record> out;
    if (device) {
        if (rng() % 2) out.push_back(S("/3/0/0", random_string(rng)));
        if (rng() % 2)
            out.push_back(I("/3/0/9", static_cast<std::int64_t>(
                                          (static_cast<std::uint64_t>(rng()) << 32) | rng())));
        if (rng() % 2)
            for (unsigned i = 0, n = static_cast<unsigned>(rng() % 4); i < n; ++i)
                out.push_back(I("/3/0/11/" + std::to_string(i * 300),
                                -static_cast<std::int64_t>(rng() % 70000)));
        if (rng() % 2)
            out.push_back(R("/3/0/13", value::of_time(static_cast<std::int32_t>(rng()))));
        if (rng() % 2)
            for (unsigned i = 0, n = static_cast<unsigned>(rng() % 3); i < n; ++i)
                out.push_back(R("/3/0/22/" + std::to_string(i),
                                value::of_objlnk({static_cast<std::uint16_t>(rng()),
                                                  static_cast<std::uint16_t>(rng())})));
    } else {
        if (rng() % 2)
            out.push_back(R("/10250/0/0",
                            value::of_unsigned((static_cast<std::uint64_t>(rng()) << 32) | rng())));
        if (rng() % 2) out.push_back(R("/10250/0/1", value::of_corelnk("</3/0>;rt=\"x\"")));
        if (rng() % 2) out.push_back(R("/10250/0/2", value::of_float(random_double(rng))));
        if (rng() % 2)
            for (unsigned i = 0, n = static_cast<unsigned>(rng() % 3); i < n; ++i)
                out.push_back(
                    R("/10250/0/3/" + std::to_string(i), value::of_unsigned(rng() % 300)));
        if (rng() % 2)
            for (unsigned i = 0, n = static_cast<unsigned>(rng() % 3); i < n; ++i)
                out.push_back(R("/10250/0/4/" + std::to_string(i), value::of_boolean(rng() % 2)));
        if (rng() % 2)
            for (unsigned i = 0, n = static_cast<unsigned>(rng() % 3); i < n; ++i)
                out.push_back(O("/10250/0/5/" + std::to_string(i), random_bytes(rng)));
    }
    return out;
}
}  // namespace

TEST(RoundTrip, RandomRecordsInEveryRecordFormat) {
    std::mt19937 rng(1234);
    int checked = 0;
    for (int round = 0; round < 600; ++round) {
        bool device = round % 2 == 0;
        auto recs = random_records(rng, device);
        if (recs.empty()) continue;
        const char* base = device ? "/3/0" : "/10250/0";
        for (auto fmt :
             {content_format::tlv, content_format::senml_json, content_format::lwm2m_json}) {
            SCOPED_TRACE(::testing::Message()
                         << "round " << round << " format " << static_cast<int>(fmt));
            auto out = encode(fmt, base, recs, &models, 8192);
            ASSERT_TRUE(out) << out.error().reason;
            auto d = decode(fmt, base, *out, &models, 256);
            ASSERT_TRUE(d.status) << d.status.error().reason << "\n" << str(*out);
            EXPECT_EQ(d.records, recs) << str(*out);
            ++checked;
        }
    }
    EXPECT_GT(checked, 1500);
}
