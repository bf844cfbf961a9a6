//! The tenant client: the only module that does HTTP to an Auth0 tenant (real, embedded or a
//! standalone emulator — all through the same code).
//!
//! Layers, bottom up: [`secret`] and [`redact`] keep values out of output; [`credentials`]
//! resolves where they come from; [`hints`], [`rate_limiter`] and [`retry`] decide when to send;
//! [`tls`] adds the extra root certificate; [`client`] sends; `endpoints` names the operations;
//! [`api_types`] are the wire shapes.
//! Nothing here knows about the YAML model beyond credentials and the rate limit, and nothing
//! here prints: callers decide what users see.

pub mod api_types;
pub mod client;
pub mod credentials;
mod endpoints;
pub mod error;
pub mod hints;
pub mod pagination;
pub mod rate_limiter;
pub mod redact;
pub mod retry;
pub mod secret;
pub mod tls;

pub use api_types::{
    ApiAction, ApiBinding, ApiBindingAction, ApiDependency, ApiSecretName, ApiTrigger, ApiVersion,
    BindingRef, BindingTarget, BuildStatus, CreateAction, RefType, SecretValue, UpdateAction,
};
pub use client::{ClientConfig, Result, TenantClient, Timeouts};
pub use credentials::Credentials;
pub use error::{ApiErrorBody, DEPLOYER_SCOPES, Endpoint, Error};
pub use retry::RetryPolicy;
pub use secret::Secret;
pub use tls::install_crypto_provider;
