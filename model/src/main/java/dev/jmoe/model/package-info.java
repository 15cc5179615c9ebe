/** model module; see DESIGN.md. */
package dev.jmoe.model;
