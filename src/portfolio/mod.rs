//! A portfolio: many services' `data.json` merged, with no server, into one view of
//! where each service stands. Each service's CI job (or one local run) writes its
//! data.json; `valuestory portfolio` reads them, judges every band again with the
//! portfolio's band set, and shows each key as the distribution of services over
//! the bands, with the services lacking data listed as coverage gaps.

pub mod config;
pub mod goals;
pub mod initiatives;
pub mod input;
pub mod model;
