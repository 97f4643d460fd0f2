/**
 * AAP webhook notifications as job signals: the receiver, and the setup of the
 * notification template in AAP.
 *
 * @module
 */
export {
  AapNotificationReceiver,
  DEFAULT_NOTIFICATION_MAX_BODY_BYTES,
  signalsOf,
  type AapNotificationCounts,
  type AapNotificationCredentials,
  type AapNotificationListener,
  type AapNotificationReceiverOptions,
} from "./receiver.js";
export {
  DEFAULT_NOTIFICATION_TEMPLATE_NAME,
  setUpAapNotifications,
  type AapNotificationSetupOptions,
  type AapNotificationSetupResult,
  type AapNotifiedTemplate,
} from "./setup.js";
