CREATE TABLE `exist_values` (
	`user_id` integer NOT NULL,
	`attribute` text NOT NULL,
	`date` text NOT NULL,
	`value` integer,
	`checked_at` integer NOT NULL,
	PRIMARY KEY(`user_id`, `attribute`, `date`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `users` ADD `exist_checked_at` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `exist_check_error` text;--> statement-breakpoint
ALTER TABLE `users` ADD `repair_drift` integer DEFAULT false NOT NULL;