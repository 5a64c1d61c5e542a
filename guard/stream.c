/* stream.c — placeholder, replaced below */
