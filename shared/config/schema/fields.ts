import * as yup from 'yup';
import { parseDurationMs } from '../duration.js';

/** Field types shared by the sections of the schema. */

/** Milliseconds, or a duration string such as "500ms" or "5s"; normalised to ms. */
export const duration = (defaultMs: number) =>
  yup
    .mixed<number | string>()
    .test('duration', '${path} must be milliseconds or a duration string like "500ms" or "5s"', (value) => {
      return value === undefined || value === null || parseDurationMs(value) !== undefined;
    })
    .transform((value: unknown) => (value === undefined || value === null ? value : (parseDurationMs(value) ?? value)))
    .default(defaultMs);

/** An object whose values are all strings (headers, deployment maps). */
export const stringMap = () =>
  yup
    .mixed<Record<string, string>>()
    .test('string-map', '${path} must be an object whose values are strings', (value) => {
      if (value === undefined || value === null) return true;
      if (typeof value !== 'object' || Array.isArray(value)) return false;
      return Object.values(value).every((v) => typeof v === 'string');
    })
    .default(() => ({}));
