import * as yup from 'yup';

/** The shape shared by `config_store`, `logs_store` and `vector_store`: `{ enabled, type, config }`. */
export const storeSchema = yup
  .object({
    enabled: yup.boolean().default(false),
    type: yup.string().optional(),
    config: yup.object().optional(),
  })
  .default(undefined)
  .optional();
