//! The one integration-test binary: each module is a group of tests over the built `nsview`.

mod churn;
mod util;
