//! `.built()?` on the SDK's request builders.

use aws_sdk_dynamodb::types::builders::{
    ConditionCheckBuilder, DeleteBuilder, DeleteRequestBuilder, KeysAndAttributesBuilder, PutBuilder, UpdateBuilder,
};
use aws_sdk_dynamodb::types::{ConditionCheck, Delete, DeleteRequest, KeysAndAttributes, Put, Update};

use crate::{Error, Result};

/// Builds a request part. The store sets every required field itself, so a missing one is a bug
/// (500), never something a request did.
pub(crate) trait Built {
    type Output;
    fn built(self) -> Result<Self::Output>;
}

macro_rules! built {
    ($($builder:ty => $output:ty),* $(,)?) => {$(
        impl Built for $builder {
            type Output = $output;
            fn built(self) -> Result<$output> {
                self.build().map_err(Error::internal)
            }
        }
    )*};
}

built! {
    PutBuilder => Put,
    UpdateBuilder => Update,
    DeleteBuilder => Delete,
    ConditionCheckBuilder => ConditionCheck,
    DeleteRequestBuilder => DeleteRequest,
    KeysAndAttributesBuilder => KeysAndAttributes,
}
