// Boost.Math's distributions (Debian's libboost-math-dev, header-only) rather than a
// hand-written incomplete beta: the same values as R to the last digit the tests check.
#include "distributions.hpp"

#include "format.hpp"

#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>

#include <cmath>

namespace tracemill {

using stats::kNaN;

namespace {

// Errors become NaN or infinity instead of exceptions: a report shows "-" for them.
using Policy = boost::math::policies::policy<
    boost::math::policies::domain_error<boost::math::policies::ignore_error>,
    boost::math::policies::pole_error<boost::math::policies::ignore_error>,
    boost::math::policies::overflow_error<boost::math::policies::ignore_error>,
    boost::math::policies::evaluation_error<boost::math::policies::ignore_error>>;

}  // namespace

double normal_cdf(double z) {
  if (std::isnan(z)) return kNaN;
  if (std::isinf(z)) return z > 0 ? 1 : 0;
  return boost::math::cdf(boost::math::normal_distribution<double, Policy>(), z);
}

double student_t_cdf(double t, double df) {
  if (std::isnan(t) || std::isnan(df) || df <= 0) return kNaN;
  if (std::isinf(df)) return normal_cdf(t);
  if (std::isinf(t)) return t > 0 ? 1 : 0;
  return boost::math::cdf(boost::math::students_t_distribution<double, Policy>(df), t);
}

double student_t_quantile(double p, double df) {
  if (!(p > 0 && p < 1) || !(df > 0)) return kNaN;
  if (std::isinf(df)) return boost::math::quantile(boost::math::normal_distribution<double, Policy>(), p);
  return boost::math::quantile(boost::math::students_t_distribution<double, Policy>(df), p);
}

}  // namespace tracemill
