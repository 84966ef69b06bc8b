import * as yup from 'yup';

/** The `client` section: request limits, CORS, and the logging and auth switches. */
export const clientSchema = yup
  .object({
    drop_excess_requests: yup.boolean().default(false),
    max_request_body_size_mb: yup.number().positive().default(100),
    allowed_origins: yup.array(yup.string().required()).default(() => ['*']),
    initial_pool_size: yup.number().integer().min(0).optional(),
    enable_logging: yup.boolean().optional(),
    disable_content_logging: yup.boolean().optional(),
    prometheus_labels: yup.array(yup.string().required()).optional(),
    enforce_auth_on_inference: yup.boolean().optional(),
    /** The older name of enforce_auth_on_inference; either one makes virtual keys mandatory. */
    enforce_governance_header: yup.boolean().optional(),
    allow_direct_keys: yup.boolean().optional(),
  })
  .default(() => ({}));
