<?php
/**
 * Deleting the plugin in wp-admin removes what it stored: its options, its
 * webhook events table, its cron events and its comment meta. Comments
 * themselves and their statuses stay as they are.
 *
 * @package moderated
 */

if ( ! defined( 'WP_UNINSTALL_PLUGIN' ) ) {
	exit;
}

global $wpdb;

foreach ( array( 'moderated_settings', 'moderated_db_version', 'moderated_backlog', 'moderated_last_webhook' ) as $option ) {
	delete_option( $option );
}
wp_clear_scheduled_hook( 'moderated_sync' );
wp_clear_scheduled_hook( 'moderated_sync_now' );
$wpdb->query( "DROP TABLE IF EXISTS {$wpdb->prefix}moderated_events" ); // phpcs:ignore WordPress.DB.DirectDatabaseQuery.SchemaChange
$wpdb->query( "DELETE FROM {$wpdb->commentmeta} WHERE meta_key LIKE '\\_moderated\\_%'" );
wp_cache_flush();
