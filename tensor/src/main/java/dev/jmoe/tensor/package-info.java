/** tensor module; see DESIGN.md. */
package dev.jmoe.tensor;
