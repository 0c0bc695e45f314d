/** The glossary both apps show: money, status labels and error messages, Chinese first. */
export * from './errors'
export * from './labels'
export * from './money'
export * from './coupons'
