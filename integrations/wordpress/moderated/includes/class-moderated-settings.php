<?php
/**
 * The plugin's settings: one option, `moderated_settings`, with defaults and
 * validation. Every other class reads settings through here.
 *
 * @package moderated
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * Settings storage and validation.
 */
class Moderated_Settings {

	const OPTION = 'moderated_settings';

	/** Seconds a request to the daemon may take when none is configured. */
	const DEFAULT_TIMEOUT = 2.0;

	/** The smallest and largest timeout the settings page accepts, in seconds. */
	const MIN_TIMEOUT = 0.2;
	const MAX_TIMEOUT = 30.0;

	/** When the daemon is unreachable: hold the comment and send it when it is back. */
	const DOWN_RESEND = 'resend';
	/** When the daemon is unreachable: hold the comment for WordPress's moderators only. */
	const DOWN_WORDPRESS = 'wordpress';

	/** True while update() writes the option (sanitize() then passes it through). */
	private static $internal = false;

	/**
	 * The stored settings merged over the defaults.
	 *
	 * @return array
	 */
	public static function all() {
		$stored = get_option( self::OPTION, array() );
		if ( ! is_array( $stored ) ) {
			$stored = array();
		}
		return array_merge( self::defaults(), $stored );
	}

	/**
	 * One setting.
	 *
	 * @param string $key Setting name.
	 * @return mixed
	 */
	public static function get( $key ) {
		$all = self::all();
		return isset( $all[ $key ] ) ? $all[ $key ] : null;
	}

	/**
	 * Defaults. The site name defaults to this site's host name.
	 *
	 * @return array
	 */
	public static function defaults() {
		return array(
			'url'             => '',
			'site'            => self::default_site(),
			'site_token'      => '',
			'moderator_token' => '',
			'timeout'         => self::DEFAULT_TIMEOUT,
			'when_down'       => self::DOWN_RESEND,
			'webhook_secret'  => '',
		);
	}

	/**
	 * This site's host name, lower case: the default `site` sent to moderated.
	 *
	 * @return string
	 */
	public static function default_site() {
		$host = wp_parse_url( home_url(), PHP_URL_HOST );
		return is_string( $host ) ? strtolower( $host ) : '';
	}

	/**
	 * True when comments can be sent: a daemon URL, a site and a site token.
	 *
	 * @return bool
	 */
	public static function is_configured() {
		$s = self::all();
		return '' !== $s['url'] && '' !== $s['site'] && '' !== $s['site_token'];
	}

	/**
	 * The timeout in seconds, clamped to the accepted range.
	 *
	 * @return float
	 */
	public static function timeout() {
		$t = (float) self::get( 'timeout' );
		if ( $t < self::MIN_TIMEOUT || $t > self::MAX_TIMEOUT ) {
			$t = self::DEFAULT_TIMEOUT;
		}
		return $t;
	}

	/**
	 * The webhook secret, created on first use.
	 *
	 * @return string
	 */
	public static function webhook_secret() {
		$secret = (string) self::get( 'webhook_secret' );
		if ( '' === $secret ) {
			$secret = self::new_secret();
			self::update( array( 'webhook_secret' => $secret ) );
		}
		return $secret;
	}

	/**
	 * A new random webhook secret: 48 characters from [A-Za-z0-9].
	 *
	 * @return string
	 */
	public static function new_secret() {
		return wp_generate_password( 48, false, false );
	}

	/**
	 * Writes some settings, keeping the others.
	 *
	 * @param array $changes Settings to change.
	 */
	public static function update( array $changes ) {
		$stored = get_option( self::OPTION, array() );
		if ( ! is_array( $stored ) ) {
			$stored = array();
		}
		// These values are ours, not the settings form's: skip its validation.
		self::$internal = true;
		update_option( self::OPTION, array_merge( $stored, $changes ) );
		self::$internal = false;
	}

	/**
	 * The URL of the webhook route moderated should deliver to.
	 *
	 * @return string
	 */
	public static function webhook_url() {
		return rest_url( 'moderated/v1/webhook' );
	}

	/**
	 * Validates the settings form. Invalid fields keep their stored value and
	 * get an error message on the settings page.
	 *
	 * @param mixed $input The submitted form values.
	 * @return array The values to store.
	 */
	public static function sanitize( $input ) {
		if ( self::$internal ) {
			return $input;
		}
		$old = self::all();
		$out = $old;
		if ( ! is_array( $input ) ) {
			return $out;
		}

		if ( isset( $input['url'] ) ) {
			$url = trim( (string) wp_unslash( $input['url'] ) );
			$err = self::validate_url( $url );
			if ( null === $err ) {
				$out['url'] = untrailingslashit( $url );
			} else {
				add_settings_error( self::OPTION, 'url', $err );
			}
		}

		if ( isset( $input['site'] ) ) {
			$site = trim( (string) wp_unslash( $input['site'] ) );
			if ( '' === $site || strlen( $site ) > 255 || preg_match( '/[\x00-\x20\x7f]/', $site ) ) {
				add_settings_error(
					self::OPTION,
					'site',
					__( 'The site name must be 1 to 255 bytes long and contain no spaces.', 'moderated' )
				);
			} else {
				$out['site'] = $site;
			}
		}

		foreach ( array( 'site_token', 'moderator_token' ) as $key ) {
			if ( ! isset( $input[ $key ] ) ) {
				continue;
			}
			$token = trim( (string) wp_unslash( $input[ $key ] ) );
			if ( '' !== $token && ! preg_match( '/^[\x21-\x7e]{8,512}$/', $token ) ) {
				add_settings_error(
					self::OPTION,
					$key,
					'site_token' === $key
						? __( 'The site token must be 8 to 512 printable characters without spaces, like the mdr_… token that "moderated token create" prints.', 'moderated' )
						: __( 'The moderator token must be 8 to 512 printable characters without spaces, like the mdr_… token that "moderated token create" prints.', 'moderated' )
				);
				continue;
			}
			$out[ $key ] = $token;
		}

		if ( isset( $input['timeout'] ) ) {
			$raw = str_replace( ',', '.', trim( (string) wp_unslash( $input['timeout'] ) ) );
			if ( ! is_numeric( $raw ) || (float) $raw < self::MIN_TIMEOUT || (float) $raw > self::MAX_TIMEOUT ) {
				add_settings_error(
					self::OPTION,
					'timeout',
					sprintf(
						/* translators: 1: smallest timeout, 2: largest timeout, in seconds */
						__( 'The timeout must be a number of seconds from %1$s to %2$s.', 'moderated' ),
						number_format_i18n( self::MIN_TIMEOUT, 1 ),
						number_format_i18n( self::MAX_TIMEOUT, 0 )
					)
				);
			} else {
				$out['timeout'] = round( (float) $raw, 2 );
			}
		}

		if ( isset( $input['when_down'] ) ) {
			$mode = (string) $input['when_down'];
			if ( in_array( $mode, array( self::DOWN_RESEND, self::DOWN_WORDPRESS ), true ) ) {
				$out['when_down'] = $mode;
			}
		}

		if ( ! empty( $input['new_secret'] ) || '' === $out['webhook_secret'] ) {
			$out['webhook_secret'] = self::new_secret();
			if ( ! empty( $input['new_secret'] ) ) {
				add_settings_error(
					self::OPTION,
					'new_secret',
					__( 'A new webhook secret was generated. Register it in moderated, or webhooks signed with the old one will be refused.', 'moderated' ),
					'warning'
				);
			}
		}
		return $out;
	}

	/**
	 * Checks a daemon URL.
	 *
	 * @param string $url The URL.
	 * @return string|null An error message, or null when the URL is fine.
	 */
	public static function validate_url( $url ) {
		if ( '' === $url ) {
			return null; // Not configured yet.
		}
		$parts = wp_parse_url( $url );
		if ( ! is_array( $parts ) || empty( $parts['scheme'] ) || empty( $parts['host'] )
			|| ! in_array( strtolower( $parts['scheme'] ), array( 'http', 'https' ), true )
			|| isset( $parts['user'] ) || isset( $parts['query'] ) || isset( $parts['fragment'] ) ) {
			return sprintf(
				/* translators: %s: the URL the administrator entered */
				__( '"%s" is not a daemon URL: use an absolute http:// or https:// address such as http://127.0.0.1:8080, without a query or user name.', 'moderated' ),
				$url
			);
		}
		return null;
	}
}
