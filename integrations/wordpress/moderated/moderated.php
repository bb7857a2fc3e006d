<?php
/**
 * Plugin Name:       moderated
 * Description:       Makes a self-hosted moderated daemon this site's comment moderator: every new comment is judged by moderated, decisions flow both ways by signed webhooks, and existing comments can be imported as training labels.
 * Version:           0.1.0
 * Requires at least: 6.1
 * Requires PHP:      7.4
 * Author:            moderated
 * License:           GPL-2.0-or-later
 * Text Domain:       moderated
 * Domain Path:       /languages
 *
 * @package moderated
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

define( 'MODERATED_VERSION', '0.1.0' );
define( 'MODERATED_FILE', __FILE__ );
define( 'MODERATED_DIR', __DIR__ );

require_once __DIR__ . '/includes/class-moderated-settings.php';
require_once __DIR__ . '/includes/class-moderated-client.php';
require_once __DIR__ . '/includes/class-moderated-store.php';
require_once __DIR__ . '/includes/class-moderated-comments.php';
require_once __DIR__ . '/includes/class-moderated-decisions.php';
require_once __DIR__ . '/includes/class-moderated-sync.php';
require_once __DIR__ . '/includes/class-moderated-webhook.php';
require_once __DIR__ . '/includes/class-moderated-backfill.php';
require_once __DIR__ . '/includes/class-moderated-admin.php';

register_activation_hook( __FILE__, array( 'Moderated_Store', 'activate' ) );
register_deactivation_hook( __FILE__, array( 'Moderated_Sync', 'deactivate' ) );

add_action(
	'plugins_loaded',
	static function () {
		load_plugin_textdomain( 'moderated', false, dirname( plugin_basename( MODERATED_FILE ) ) . '/languages' );
		Moderated_Store::maybe_upgrade();
		Moderated_Comments::init();
		Moderated_Decisions::init();
		Moderated_Sync::init();
		Moderated_Webhook::init();
		Moderated_Backfill::init();
		Moderated_Admin::init();
	}
);
