//! The REST API under `/api/v1`: what other systems (a CRM, a shop, a bot) use to read and
//! change what an agent may, with a personal access token instead of a browser session.

pub mod limits;
