//! The benchmarks' contact data: the same generator as `spoke seed`.

pub use spoke_domain::sandbox::seed::{
    contact_properties, Rng, CITIES, COMPANIES, DOMAINS, FIRST_NAMES, JOB_TITLES, LAST_NAMES,
    STAGES,
};
